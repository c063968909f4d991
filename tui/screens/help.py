"""``?``: every key of the screen below, grouped, read from the real bindings."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from tui.screens.reading import ReadingKeys

KeyRow = tuple[str, str, str]
"""Group, key as shown, what it does."""


class HelpScreen(ReadingKeys):
    """A list of keys; any of escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, rows: Iterable[KeyRow]) -> None:
        super().__init__(classes="help")
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog") as dialog:
            dialog.border_title = "Keys"
            dialog.border_subtitle = "escape closes"
            yield Static(self.table(), id="keys")

    def table(self) -> Content:
        """The rows, grouped under their headings."""
        width = max((len(key) for _, key, _ in self.rows), default=4) + 2
        lines: list[Content] = []
        group = None
        for name, key, description in self.rows:
            if name != group:
                if group is not None:
                    lines.append(Content(""))
                lines.append(Content.styled(name, "bold $text-primary"))
                group = name
            lines.append(Content.assemble((key.ljust(width), "bold"), description))
        return Content("\n").join(lines)

    def scroller(self) -> Widget:
        return self.query_one("#dialog", VerticalScroll)
