"""One note, message or lesson whole, however long (its panel shows the first part)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Footer, TextArea

from tui.domain import Entry
from tui.screens.reading import ReadingKeys
from tui.widgets.safe import for_reading

SHOWN_WHOLE = 200_000
"""Characters the viewer shows (~50 pages); beyond that, ``y`` copies the whole. A 1 MB
paste took ~0.7 s to lay out, against ~0.2 s for this much."""


class EntryModal(ReadingKeys):
    """An entry's whole text, read-only: scroll it, select it, ``y`` copies all of it."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="entry.close"),
        Binding("y", "copy", "Copy", id="entry.copy"),
    ]

    def __init__(self, entry: Entry, number: str) -> None:
        super().__init__(classes="editor entry-view")
        self.entry = entry
        self.number = number

    def compose(self) -> ComposeResult:
        entry = self.entry
        text = for_reading(entry.text, SHOWN_WHOLE)
        what = entry.kind.value if entry.direction is None else f"message {entry.direction.label}"
        with Vertical(id="dialog") as dialog:
            # (The order number and the time hold no markup: letters, digits, - and _.)
            dialog.border_title = (
                f"{what.capitalize()} · {self.number} · {entry.at.astimezone():%Y-%m-%d %H:%M}"
            )
            dialog.border_subtitle = f"{len(entry.text):,} characters"
            yield TextArea(text, read_only=True, soft_wrap=True, show_line_numbers=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def scroller(self) -> Widget:
        return self.query_one(TextArea)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.entry.text)
        self.notify(f"Copied the whole text ({len(self.entry.text):,} characters)", markup=False)
