"""The one helper through which text a person typed reaches the screen.

Such text is data: ``[bold]`` or ``[@click=app.quit]`` must show as typed and never run,
and escape sequences must never reach the terminal. ``Content`` does not parse markup;
``clean_text`` removes whole escape sequences and stray control characters first.
"""

from __future__ import annotations

from textual.content import Content

from tui.text import clean_text, shorten


def safe(text: str, style: str = "", *, limit: int | None = None) -> Content:
    """People's text as ``Content``: literal, cleaned, optionally cut to ``limit`` chars."""
    cleaned = clean_text(text)
    if limit is not None:
        cleaned = shorten(cleaned, limit)
    return Content.styled(cleaned, style) if style else Content(cleaned)


def safe_line(text: str, style: str = "", *, limit: int | None = None) -> Content:
    """Like :func:`safe`, on one line (newlines become spaces)."""
    return safe(" ".join(clean_text(text).split("\n")), style, limit=limit)


def in_part(text: str, limit: int) -> Content:
    """``text`` (safe) as a list shows an entry: its first ``limit`` characters, then how
    many more there are and that ``enter`` reads them all."""
    shown = safe(text, limit=limit)
    if len(text) > limit:
        more = f"\n[{len(text) - limit:,} more characters]\n[enter: all of it]"
        shown += Content.styled(more, "italic")
    return shown


def for_reading(text: str, limit: int) -> str:
    """``text`` as a view of it whole shows it: a pasted megabyte must not stall the
    screen, so past ``limit`` characters it says how many more ``y`` copies."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n\n[{len(text) - limit:,} more characters: y copies it whole]"
