"""Editing the list of cancellation reasons (Fiverr does not publish its own list)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Label, Static, TextArea

from tui.domain import ValidationError
from tui.screens.modal import Modal
from tui.screens.questions import close_asking_if_typed
from tui.store import StoreError
from tui.widgets.safe import safe_line


def parse_reasons(text: str) -> list[tuple[str, str]]:
    """``id: label`` lines; blank lines are skipped."""
    reasons = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        rid, sep, label = line.partition(":")
        if not sep or not rid.strip() or not label.strip():
            raise ValidationError("reasons", f"line {number}: write it as 'id: label'")
        reasons.append((rid.strip(), label.strip()))
    return reasons


class ReasonsEditor(Modal[None]):
    """One reason a line, ``id: label``; ctrl+s saves."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="reasons.save"),
        Binding("escape", "cancel", "Cancel", id="reasons.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.initial_text = ""

    def compose(self) -> ComposeResult:
        board = self.app.board  # type: ignore[attr-defined]
        text = "\n".join(f"{rid}: {label}" for rid, label in board.reasons())
        self.initial_text = text
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Cancellation reasons"
            yield Label("One a line, as id: label. Orders keep the id they were given.")
            yield TextArea(text, id="text")
            yield Static("", id="error", classes="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.add_class("editor")
        self.query_one("#text").focus()

    def action_cancel(self) -> None:
        close_asking_if_typed(
            self, lambda: self.query_one("#text", TextArea).text != self.initial_text, None
        )

    async def action_save(self) -> None:
        board = self.app.board  # type: ignore[attr-defined]
        try:
            reasons = parse_reasons(self.query_one("#text", TextArea).text)
            await self.app.write(board.set_reasons, reasons)  # type: ignore[attr-defined]
        except (ValidationError, StoreError) as error:
            self.query_one("#error", Static).update(safe_line(str(error)))
            return
        count = len(reasons)
        self.app.notify(f"Saved {count} reason{'' if count == 1 else 's'}", markup=False)
        self.dismiss()
