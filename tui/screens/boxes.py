"""Keys that put a text box in focus, answered before the keys typed after them.

Textual hands a key to the widget with focus as it is read, and runs a screen's binding
only once the key has come back up from it: keys typed right after ``/`` in one burst (a
search pasted, or typed ahead over a slow SSH link) were handed to the card list before
``/`` had put the search box in focus, and lost, or answered by the list (``j`` moved its
cursor). A priority binding is answered as its key is read, before the next key is: the
box has focus by then. While a box has focus, the key is the box's (``/`` typed into a
search): :func:`typed_into_box` tells the screen's ``check_action`` so.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen


def typed_into_box(screen: Screen[Any], character: str) -> bool:
    """Whether ``character`` typed now goes into a box with focus on ``screen`` (a text
    input or area, which takes printable keys)."""
    focused = screen.focused
    return focused is not None and focused.check_consume_key(character, character)
