"""An order's timeline, as a seller pastes it into a Customer Support ticket."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Footer, Static

from tui.domain import Order, history_text
from tui.screens.entry_view import SHOWN_WHOLE
from tui.screens.reading import ReadingKeys
from tui.widgets.safe import for_reading, safe


class HistoryModal(ReadingKeys):
    """Every change of an order with its time; ``y`` copies it."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="history.close"),
        Binding("y", "copy", "Copy", id="history.copy"),
    ]

    def __init__(self, order: Order) -> None:
        super().__init__(classes="history")
        self.order = order
        self.text = history_text(order)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog") as dialog:
            dialog.border_title = f"History of {self.order.number}"
            # Messages are whole in it: a pasted 1 MB one is shown in part, as on its own.
            yield Static(safe(for_reading(self.text, SHOWN_WHOLE)), id="timeline")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()

    def scroller(self) -> Widget:
        return self.query_one("#dialog", VerticalScroll)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify(
            f"Copied the history of {self.order.number} ({len(self.order.history)} events)",
            markup=False,
        )
