"""The keys of a dialog that is read, not typed into: help, history, an entry whole."""

from __future__ import annotations

from textual.binding import Binding
from textual.widget import Widget

from tui.screens.modal import Modal


class ReadingKeys(Modal[None]):
    """``j``/``k`` (and the arrows) scroll a line, the page keys a page, ``ctrl+d``/``ctrl+u``
    half a page, ``g``/``G`` (and home/end) to the top and the bottom, each at once.

    Scrolling with Textual's animation, keys pressed while it ran were lost (fifteen
    ``k`` did nothing, the sixteenth moved), and ``G`` stopped short of the end. Priority
    bindings: a text area shown read-only would move its hidden cursor instead.
    """

    BINDINGS = [
        Binding("j,down", "line(1)", "Down", show=False, priority=True),
        Binding("k,up", "line(-1)", "Up", show=False, priority=True),
        Binding("pagedown,space", "page(1)", "Page down", show=False, priority=True),
        Binding("pageup", "page(-1)", "Page up", show=False, priority=True),
        Binding("ctrl+d", "half_page(1)", "Half page down", show=False, priority=True),
        Binding("ctrl+u", "half_page(-1)", "Half page up", show=False, priority=True),
        Binding("g,home,ctrl+home", "top", "Top", show=False, priority=True),
        Binding("G,end,ctrl+end", "bottom", "Bottom", show=False, priority=True),
    ]

    def scroller(self) -> Widget:
        """The widget the keys scroll."""
        raise NotImplementedError

    def action_line(self, lines: int) -> None:
        self.scroller().scroll_relative(y=lines, animate=False, immediate=True)

    def action_page(self, pages: int) -> None:
        view = self.scroller()
        step = max(view.scrollable_content_region.height - 1, 1)
        view.scroll_relative(y=pages * step, animate=False, immediate=True)

    def action_half_page(self, direction: int) -> None:
        view = self.scroller()
        half = max(view.scrollable_content_region.height // 2, 1)
        view.scroll_relative(y=direction * half, animate=False, immediate=True)

    def action_top(self) -> None:
        self.scroller().scroll_home(animate=False, immediate=True)

    def action_bottom(self) -> None:
        self.scroller().scroll_end(animate=False, immediate=True)
