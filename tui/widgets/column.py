"""A stage column: a line-based list of cards (one OptionList, not one widget per card)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.domain import Order, Settings, Stage
from tui.widgets.card import CardText, card_lines


class CardList(OptionList):
    """The cards of a column, one option (a few lines) per card.

    Moving the highlight repaints only the two cards involved: over a slow SSH link a
    whole-column repaint per key press is most of the bytes sent.
    """

    highlighted: reactive[int | None] = reactive(None, repaint=False)

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g,home", "first", "First card", show=False),
        Binding("G,end", "last", "Last card", show=False),
    ]

    def watch_highlighted(self, old: int | None, new: int | None) -> None:  # type: ignore[override]
        super().watch_highlighted(new)
        self._update_lines()
        for index in {old, new}:
            if index is None:
                continue
            line = self._index_to_line.get(index)
            height = self._line_cache.heights.get(index)
            if line is None or height is None:
                self.refresh()
                return
            self.refresh_lines(line, height)


class StageColumn(Vertical):
    """A stage's title (wrapped, never cut: it must read in full at 80 columns) and cards.

    Redraws its cards only when what they show has changed.
    """

    def __init__(self, stage: Stage) -> None:
        super().__init__(id=f"col-{stage.value}", classes="stage-column")
        self.stage = stage
        self.numbers: list[str] = []
        """Order numbers in display order."""
        self._signature: tuple[tuple[str, ...], ...] | None = None
        self.cards = CardList(classes="cards")
        self.heading = Static(self._title(0), classes="column-title")

    def compose(self) -> ComposeResult:
        yield self.heading
        yield self.cards

    def _title(self, count: int) -> str:
        return f"{self.stage.label} ({count})"

    def _set_title(self, count: int) -> None:
        self.heading.update(self._title(count))

    def focus(self, scroll_visible: bool = True) -> StageColumn:
        """Focus goes to the cards."""
        self.cards.focus(scroll_visible)
        return self

    @property
    def has_focus(self) -> bool:  # type: ignore[override]
        """Whether the cards have focus."""
        return self.cards.has_focus

    def show_orders(self, orders: Sequence[Order], now: datetime, settings: Settings) -> bool:
        """Show these orders; returns whether anything had to be redrawn."""
        cards = [card_lines(order, now, settings) for order in orders]
        signature = tuple(cards)
        if signature == self._signature:
            return False
        keep = self.current_number
        self._signature = signature
        self.numbers = [order.number for order in orders]
        options: list[Option | None] = []
        for index, lines in enumerate(cards):
            if index:
                options.append(None)
            options.append(Option(CardText(lines), id=self.numbers[index]))
        self.cards.set_options(options)
        self._set_title(len(orders))
        if keep in self.numbers:
            self.select_number(keep)
        elif self.numbers:
            self.cards.highlighted = 0
        return True

    @property
    def current_number(self) -> str | None:
        """The highlighted card's order number."""
        option = self.cards.highlighted_option
        return option.id if option is not None else None

    def select_number(self, number: str) -> bool:
        """Highlight an order's card; whether it is in this column."""
        if number not in self.numbers:
            return False
        self.cards.highlighted = self.cards.get_option_index(number)
        return True

    def select_position(self, position: int) -> None:
        """Highlight the card at ``position`` (clamped), for moves between columns."""
        if self.numbers:
            number = self.numbers[max(0, min(position, len(self.numbers) - 1))]
            self.select_number(number)

    @property
    def position(self) -> int:
        """The highlighted card's position among the cards."""
        number = self.current_number
        return self.numbers.index(number) if number in self.numbers else 0
