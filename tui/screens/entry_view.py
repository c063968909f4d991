"""One note, message or lesson whole, however long (its panel shows the first part)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, TextArea

from tui.domain import Entry

SHOWN_WHOLE = 200_000
"""Characters the viewer shows (~50 pages); beyond that, ``y`` copies the whole. A 1 MB
paste took ~0.7 s to lay out, against ~0.2 s for this much."""


class EntryModal(ModalScreen[None]):
    """An entry's whole text, read-only: scroll it, select it, ``y`` copies all of it."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="entry.close"),
        Binding("y", "copy", "Copy", id="entry.copy"),
        Binding("j", "down", "Down", show=False, id="entry.down"),
        Binding("k", "up", "Up", show=False, id="entry.up"),
        Binding("g,ctrl+home", "start", "Start", show=False, id="entry.start"),
        Binding("G,ctrl+end", "end", "End", id="entry.end"),
    ]

    def __init__(self, entry: Entry, number: str) -> None:
        super().__init__(classes="editor entry-view")
        self.entry = entry
        self.number = number

    def compose(self) -> ComposeResult:
        entry = self.entry
        text = entry.text
        if len(text) > SHOWN_WHOLE:
            text = (
                text[:SHOWN_WHOLE]
                + f"\n\n[{len(entry.text) - SHOWN_WHOLE} more characters: y copies it whole]"
            )
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

    def action_down(self) -> None:
        self.query_one(TextArea).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(TextArea).action_cursor_up()

    def action_start(self) -> None:
        self.query_one(TextArea).move_cursor((0, 0))

    def action_end(self) -> None:
        area = self.query_one(TextArea)
        area.move_cursor(area.document.end)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.entry.text)
        self.notify(f"Copied the whole text ({len(self.entry.text):,} characters)", markup=False)
