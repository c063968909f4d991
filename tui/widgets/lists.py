"""Lists in dialogs that move with ``j``/``k`` as the board does, beside the arrows; the
dialog box that fits them to a short terminal."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import OptionList

CURSOR_ACTIONS = frozenset(
    {
        "cursor_down",
        "cursor_up",
        "first",
        "last",
        "page_down",
        "page_up",
        "half_page_down",
        "half_page_up",
    }
)
"""A list's actions that move its cursor (answered where the key lands)."""


def move_by_lines(items: OptionList, lines: int) -> None:
    """Move ``items``' highlight ``lines`` lines down (up when negative): to the option
    whose first line is nearest to that many lines from the highlighted one's (the
    nearer to it on a tie), at least to the next one; never onto a disabled one (a hint).

    Textual's page keys go to the option under the line that far away: down, the one
    starting before it, up, the one it falls inside, so pagedown and pageup moved a board
    column 3 cards and 4 at 80x24. Counted from first lines, the moves are the same each
    way; to the nearest, half a page there (8 lines) is 2 cards of 5 lines, not 1 (as j)."""
    options = items.options
    cursor = items.highlighted
    if cursor is None:
        # Nothing highlighted yet (the library as it opens): from the top.
        items.action_first()
        cursor = items.highlighted
        if cursor is None or lines < 0:
            return
    starts = items._index_to_line
    start = starts.get(cursor)
    if start is None:  # not laid out yet: no lines to count
        return
    step = 1 if lines > 0 else -1
    target, index = cursor, cursor + step
    while 0 <= index < len(options):
        line = starts.get(index)
        if line is None:
            break
        if abs(line - start) > abs(lines):
            # Past it: this one if its first line is nearer than the one before's.
            if abs(line - start) - abs(lines) < abs(lines) - abs(starts[target] - start):
                target = index
            break
        target, index = index, index + step
    if target == cursor and 0 <= cursor + step < len(options):
        target = cursor + step
    while target != cursor and options[target].disabled:
        target -= step
    items.highlighted = target


async def run_cursor_binding(widget: Widget, event: events.Key, actions: frozenset[str]) -> bool:
    """Run ``widget``'s own binding of ``event``'s key if it is one of ``actions`` (not a
    priority one: those ran as the key was read; nor under a keymap, which takes Textual's
    way); whether it did."""
    if widget.app._keymap:
        return False
    for binding in widget._bindings.key_to_bindings.get(event.key, ()):
        if (
            binding.action in actions
            and not binding.priority
            and await widget.app.run_action(binding.action, widget)
        ):
            event.stop()
            return True
    return False


class MovingList(OptionList):
    """An option list where ``j`` and ``k`` move the highlight, as on the board."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    async def handle_key(self, event: events.Key) -> bool:
        # The keys that move the highlight answer here. Textual looks a key's binding up
        # once it has bubbled to the app, from wherever focus is by then: 'k k k k tab'
        # in one read (typed fast, over SSH) moved focus with tab (a priority binding)
        # first, the k's then found no binding there, and the reason stayed "Other".
        if await super().handle_key(event):
            return True
        return await run_cursor_binding(self, event, CURSOR_ACTIONS)


class Dialog(Vertical):
    """A dialog's box whose list gives up rows when the terminal is too short for all of
    it (at 40x12 the close dialog's hint, and the reason's details field, were cut off),
    down to :data:`LEAST_ROWS`."""

    LEAST_ROWS = 3

    _most: int | None = None
    """The list's rows at most, as the stylesheet has it."""

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit)

    def fit(self) -> None:
        """Give the list the rows the rest of the dialog leaves, up to what it takes."""
        found = self.query_children(OptionList)
        if not found or not self.is_mounted:
            return
        items = found.first()
        if self._most is None:
            most = items.styles.max_height
            self._most = int(most.value) if most is not None and most.is_cells else 12
        rest = self.virtual_size.height - items.outer_size.height
        room = self.screen.size.height - self.styles.gutter.height - rest
        rows = max(self.LEAST_ROWS, min(self._most, room))
        current = items.styles.max_height
        if current is None or current.value != rows:
            items.styles.max_height = rows
            # The answer highlighted stays in sight (at 40x12 'Other', the default, was
            # below the rows left, and enter recorded it unseen).
            items.call_after_refresh(items.scroll_to_highlight)
