"""A list of notes, messages or lessons, any of them taller than the list: the keys read
through the one highlighted before moving on, and ``enter`` asks to read it whole."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList

from tui.widgets.lists import move_by_lines


class EntryList(OptionList):
    """An option list of entries (an order's panel, the lessons library).

    An entry taller than the list (a long message at 80x24) could not be read whole: the
    keys moved from entry to entry, and a lone entry did not move at all. While the entry
    under the cursor runs past the list, the keys scroll through it first. ``enter``
    posts Textual's ``OptionSelected``: the screen shows the entry whole."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("enter", "read_whole", "Read it whole", show=False),
        Binding("g", "first", "First", show=False),
        Binding("G", "last", "Last", show=False),
        Binding("ctrl+d", "half_page_down", "Half page down", show=False),
        Binding("ctrl+u", "half_page_up", "Half page up", show=False),
    ]

    def action_cursor_down(self) -> None:
        if not self._through_entry(1):
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if not self._through_entry(-1):
            super().action_cursor_up()

    def action_page_down(self) -> None:
        if not self._through_entry(max(self.scrollable_content_region.height - 1, 1)):
            super().action_page_down()  # type: ignore[no-untyped-call]

    def action_page_up(self) -> None:
        if not self._through_entry(-max(self.scrollable_content_region.height - 1, 1)):
            super().action_page_up()  # type: ignore[no-untyped-call]

    def action_half_page_down(self) -> None:
        half = max(self.scrollable_content_region.height // 2, 1)
        if not self._through_entry(half):
            move_by_lines(self, half)

    def action_half_page_up(self) -> None:
        half = max(self.scrollable_content_region.height // 2, 1)
        if not self._through_entry(-half):
            move_by_lines(self, -half)

    def action_first(self) -> None:
        super().action_first()
        self.scroll_home(animate=False, immediate=True)

    def action_last(self) -> None:
        super().action_last()
        self.scroll_end(animate=False, immediate=True)

    def _through_entry(self, lines: int) -> bool:
        """Scroll ``lines`` (down when positive) through the entry under the cursor, as
        far as it runs past the list that way; whether there was any of it to scroll."""
        index = self.highlighted
        if index is None:
            return False
        top, height = self._index_to_line.get(index), self._heights.get(index)
        if top is None or height is None:
            return False
        view, shown = self.scroll_offset.y, self.scrollable_content_region.height
        if top >= view + shown or top + height <= view:
            return False  # not in sight (the wheel scrolled away): the keys move on
        hidden = top + height - (view + shown) if lines > 0 else view - top
        if hidden <= 0:
            return False
        step = min(abs(lines), hidden)
        self.scroll_to(y=view + step if lines > 0 else view - step, animate=False, immediate=True)
        return True

    def action_read_whole(self) -> None:
        """The highlighted entry whole (OptionList's select, under its own name: the help
        leaves Textual's own select out, as it does nothing elsewhere)."""
        self.action_select()
