"""How one order reads as a card: a few lines of text, wrapped by the card itself.

A column holds hundreds of cards. ``OptionList`` asks every option for its height before it
draws the first line, and a ``Content`` answers by laying out its text: for 1,000 cards that
was most of a big board's start-up and of every move's redraw. A :class:`CardText` wraps its
few short lines itself (cheap: most fit as they are), so its height costs next to nothing and
only the cards on screen are ever laid out.

It draws them itself too: one segment per line, in the line's style over the list's. A
``Content`` would split each line into spans, combine their styles and date every segment
with its position for mouse selection, which card lists do not allow (``OptionList``
turns it off): 1.3 ms per card on a first draw, most of the cards' share of a start.
"""

from __future__ import annotations

import re
from datetime import datetime

from rich.cells import cell_len
from rich.segment import Segment
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

from tui.domain import Order, Settings, card_timer, format_age
from tui.text import clean_line

LEVEL_STYLES = {"": "$text-muted", "warning": "$text-warning bold", "error": "$text-error bold"}


def card_lines(order: Order, now: datetime, settings: Settings) -> tuple[str, ...]:
    """The card's text, line by line; also its signature (redraw only when it changes)."""
    timer = card_timer(order, now, settings)
    age = format_age(order, now)
    lines = (
        order.number,
        order.buyer,
        f"{order.amount} {order.currency} · {age}",
        timer.text if timer else "",
        timer.level if timer else "",
        "#" + " #".join(order.tags) if order.tags else "",
    )
    return lines


def fold(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` cells, between words where it can.

    A word longer than the width breaks after its hyphens (``partial-`` / ``refund``),
    and a piece still longer where the width ends; a wide character is never split (a
    line narrower than two cells still takes one).
    """
    if cell_len(text) <= width:
        return [text]
    width = max(width, 1)
    lines: list[str] = []
    current, used = "", 0
    for word in text.split(" "):
        # A word too long for any line breaks after its hyphens (else inside it); one that
        # fits a line of its own goes there whole (a date is not cut at its dashes).
        pieces = (
            [piece for piece in _HYPHENATED.findall(word) if piece] or [""]
            if cell_len(word) > width
            else [word]
        )
        for index, piece in enumerate(pieces):
            gap = " " if index == 0 else ""
            size = cell_len(piece)
            if current and used + len(gap) + size <= width:
                current, used = f"{current}{gap}{piece}", used + len(gap) + size
                continue
            if current:
                lines.append(current)
            current, used = "", 0
            if size > width:
                for char in piece:
                    char_size = cell_len(char)
                    if current and used + char_size > width:
                        lines.append(current)
                        current, used = "", 0
                    current, used = current + char, used + char_size
            else:
                current, used = piece, size
    lines.append(current)
    return lines


_HYPHENATED = re.compile(r"[^-]*-+(?=[^-])|[^-]*-*$")
"""A word's pieces, each up to and with a hyphen that has more of the word after it."""


class CardText(Visual):
    """A card's lines (number, buyer, money and age, timer, tags), wrapped to a width.

    Its height at a width is the number of lines :func:`fold` makes, and what it draws is
    exactly those lines, so the list's layout and the drawing always agree.
    """

    __slots__ = ("lines", "_lines", "_width", "_pieces", "_widest")

    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines = lines
        """What :func:`card_lines` gave: the card shows these and nothing else."""
        number, buyer, money, timer, level, tags = lines
        styled = [(clean_line(number), "bold"), (clean_line(buyer), ""), (money, "")]
        if timer:
            styled.append((timer, LEVEL_STYLES.get(level, "")))
        if tags:
            styled.append((clean_line(tags), "$text-accent"))
        self._lines = styled
        self._width = -1
        self._pieces: list[tuple[str, str]] = []
        self._widest = -1

    def _fold(self, width: int) -> list[tuple[str, str]]:
        """The card's lines at ``width``, each with its style (the last width is kept)."""
        if width != self._width:
            self._pieces = [
                (piece, style) for text, style in self._lines for piece in fold(text, width)
            ]
            self._width = width
        return self._pieces

    @property
    def fewest_lines(self) -> int:
        """The lines it takes however wide it is drawn (each of its lines unwrapped)."""
        return len(self._lines)

    @property
    def plain(self) -> str:
        """The card's text, unwrapped (one line per line of the card)."""
        return "\n".join(text for text, _ in self._lines)

    def get_height(self, rules: RulesMap, width: int) -> int:
        # A list asks every card, on every layout: most fit unwrapped, and then their
        # height is their count of lines, without folding each one (1,000 cards: ~5 ->
        # ~1 ms).
        if width >= self._widest_line():
            return len(self._lines)
        return len(self._fold(width))

    def _widest_line(self) -> int:
        """The cells its widest line takes (worked out once)."""
        if self._widest < 0:
            self._widest = max(cell_len(text) for text, _ in self._lines)
        return self._widest

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self._widest_line()

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        if not width:
            return []
        pieces = self._fold(width)
        if height is not None:
            pieces = pieces[:height]
        get_style = options.get_style
        styles = {"": style.rich_style}
        strips = []
        for piece, name in pieces:
            rich = styles.get(name)
            if rich is None:
                rich = styles[name] = (style + get_style(name)).rich_style
            cells = cell_len(piece)
            strip = Strip([Segment(piece, rich)], cells)
            # A wide character alone is wider than a list one cell wide: cut, as Content
            # cuts it (a space).
            strips.append(strip.crop_extend(0, width, rich) if cells > width else strip)
        return strips
