"""Input from real terminals, read as Textual's driver reads it, with two fixes.

Pasted text may hold escape sequences (:class:`PasteFilter`). And input may not be UTF-8:
a stray byte must not end the session.

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

from tui.text import strip_sequences


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


# ------------------------------------------------------------------ pasted escape sequences

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"


class PasteFilter:
    """Drops the escape sequences inside bracketed pastes, before Textual's parser reads
    them.

    Text copied from a coloured terminal holds escape sequences. Textual's parser reads
    one met inside a paste as keys typed at once, and the rest of the paste as a paste
    when it ends: ``A`` ESC ``[31mB`` was typed as ``^[31mB``, then ``A`` pasted after it.
    A paste is held from its opening until its end arrives (Textual also sends it only
    then), and passed on without them; everything else is passed on as it comes (an
    opening split over two reads is still seen: the end of the last read is kept)."""

    def __init__(self) -> None:
        self._inside = False
        self._held: list[str] = []
        self._tail = ""

    def __call__(self, data: str) -> str:
        if not data:  # the end of input: whatever is held
            held, self._held = "".join(self._held), []
            return held
        out: list[str] = []
        text = data
        while text:
            if self._inside:
                # Only the new text is searched (and the end of the last read, where the
                # closing may have begun): a long paste read in many parts stays linear.
                seen = self._tail + text
                if seen.find(PASTE_END) < 0:
                    self._held.append(text)
                    self._tail = seen[-(len(PASTE_END) - 1) :]
                    break
                held = "".join(self._held) + text
                end = held.find(PASTE_END, len(held) - len(seen))
                out.append(strip_sequences(held[:end]) + PASTE_END)
                text, self._held, self._tail = held[end + len(PASTE_END) :], [], ""
                self._inside = False
            else:
                seen = self._tail + text
                start = seen.find(PASTE_START)
                if start < 0:
                    out.append(text)
                    self._tail = seen[-(len(PASTE_START) - 1) :]
                    break
                opened = start + len(PASTE_START) - len(self._tail)  # where, in text
                out.append(text[:opened])
                text, self._tail, self._inside = text[opened:], "", True
        return "".join(out)


def clean_pasted_sequences() -> bool:
    """Give the driver a parser that reads pastes through a :class:`PasteFilter`;
    whether the driver was there to patch."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # not on a POSIX system: other drivers read input differently
        return False
    parser_class = getattr(linux_driver, "XTermParser", None)
    if parser_class is None:
        return False
    if getattr(parser_class, "cleans_pastes", False):
        return True  # patched already

    class PasteCleaningParser(parser_class):  # type: ignore[misc, valid-type]
        cleans_pastes = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._paste_filter = PasteFilter()

        def feed(self, data: str) -> Any:
            passed = self._paste_filter(data)
            if data and not passed:
                return ()  # all held (a paste not ended yet): Textual reads "" as the end
            if not data and passed:  # the end of input, after what was held
                return [*super().feed(passed), *super().feed("")]
            return super().feed(passed)

    linux_driver.XTermParser = PasteCleaningParser  # type: ignore[attr-defined]
    return True
