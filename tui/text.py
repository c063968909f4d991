"""Cleaning of text that people type, paste or import: the one place control sequences die.

Buyer messages are pasted from web pages and files may come from other tools, so any text
can hold terminal escape sequences (an OSC 52 clipboard write, a window-title change) or
bidi overrides that would reorder what the seller reads. Textual passes ESC through even
from ``Text`` objects, so such text is cleaned on the way in (what is stored is clean)
and again on the way out (files written by older versions or by hand).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Whole sequences first, so that their parameters do not survive as visible garbage:
# CSI (ESC [ or 8-bit 0x9b) ... final byte; OSC/DCS/SOS/PM/APC (ESC ] P X ^ _ or their
# 8-bit forms) ... up to BEL or ST (ESC \ or 0x9c), or to the end of the text when the
# terminator is missing; then two-byte escapes (ESC + one char).
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])(?:[^\x07\x1b\x9c]|\x1b(?!\\))*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# Then any control character left: C0 but tab and newline, DEL, C1, and the bidi
# embedding/override/isolate controls (U+202A-U+202E, U+2066-U+2069).
# Lone surrogates too: they are what Python makes of bytes that are not UTF-8 (command
# line arguments, stdin), and no file or terminal can take them.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# Nearly all text is clean: one search decides, so loading a large board stays cheap.
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_CONTROL_BUT_TAB_NL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def strip_sequences(text: str) -> str:
    """``text`` without its escape sequences (its other characters as they are)."""
    return _SEQUENCES.sub("", text)


def clean_text(text: str, *, multiline: bool = True) -> str:
    """Return ``text`` with escape sequences and control characters removed.

    Carriage returns become newlines (pasted Windows text); in single-line fields every
    newline and tab becomes a space.
    """
    if not text:
        return ""
    if (_CONTROL_BUT_TAB_NL if multiline else _ANY_CONTROL).search(text) is None:
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", strip_sequences(text))
    if not multiline:
        text = " ".join(text.replace("\t", " ").split("\n"))
    return text


def clean_line(text: str) -> str:
    """Clean a single-line field (names, titles, tags) and trim its ends."""
    return clean_text(text, multiline=False).strip()


def all_clean_lines(values: Iterable[object]) -> bool:
    """Whether ``values`` are all strings that :func:`clean_line` leaves as they are.

    One search for control characters over them all (checking every field of a large
    board one call at a time costs more than reading it), then each one's ends: a regex for
    space next to a separator scanned every character (6,143 fields: 2.5 -> 0.5 ms).
    ``str.strip`` strips what the regexes' ``\\s`` matches (Unicode white space)."""
    texts: list[str] = list(values)  # type: ignore[arg-type]
    try:
        joined = "".join(texts)  # strings only: anything else raises
    except TypeError:
        return False
    return _ANY_CONTROL.search(joined) is None and list(map(str.strip, texts)) == texts


def cell_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK, most emoji) characters take two,
    combining accents and invisible ones (a zero-width space) none."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def format_amount(cents: int) -> str:
    """Cents as a decimal string: 2500 -> ``25.00``."""
    return f"{cents // 100}.{cents % 100:02d}"


def shorten_cells(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` terminal cells, marking the cut with an ellipsis
    (a wide character, two cells, counts as two: a CJK name cut by characters took
    twice its room)."""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = cell_width(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…"


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
"""Characters that show nothing (soft hyphen, zero-width ones): a name copied with one
inside looks the same without it."""


def searchable(text: str) -> str:
    """``text`` as searches compare it: composed (an 'é' typed as one character or as
    'e' and an accent, as macOS pastes it), case-folded, without invisible characters.
    A filter for 'émile' found nothing among buyers pasted with the accent apart."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()
