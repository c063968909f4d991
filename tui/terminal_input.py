"""Input from real terminals may not be UTF-8: a stray byte must not end the session.

Textual's Linux driver decodes keyboard input with a strict UTF-8 decoder in its input
thread, so one Latin-1 byte (an 8-bit meta key, a misconfigured terminal over SSH)
raises ``UnicodeDecodeError`` there and the app dies. We make that decoder replace bad
bytes instead: the key becomes U+FFFD and is ignored like any other unknown key.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from functools import partial
from typing import Any


def _lenient_decoder(encoding: str) -> Callable[..., Any]:
    return partial(codecs.getincrementaldecoder(encoding), errors="replace")


def tolerate_invalid_input() -> bool:
    """Patch the driver's decoder factory; whether the driver was there to patch."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # not on a POSIX system: other drivers decode differently
        return False
    if not hasattr(linux_driver, "getincrementaldecoder"):
        return False
    linux_driver.getincrementaldecoder = _lenient_decoder
    return True
