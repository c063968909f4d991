"""Lists in dialogs that move with ``j``/``k`` as the board does, beside the arrows."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList


class MovingList(OptionList):
    """An option list where ``j`` and ``k`` move the highlight, as on the board."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
