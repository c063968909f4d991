"""The command palette (``ctrl+p``): jump to any order by number or buyer.

Buyer names are people's text: the palette's own highlighter parses markup, so hits are
built as plain ``Content`` here, and help lines never hold user text.

Years of orders (10,000) made Textual's own fuzzy matcher the bottleneck: it works out
every way the typed letters can fall in a candidate, which for order numbers full of
zeros took the palette 16 s to show a buyer typed in full and 29 s for an order number
(and ~2 s to open, converting every order first). Here the orders are read as (number, buyer) pairs, and a query
matches where it is found as typed (any case), else where its letters come in order
(first places found: linear); the best :data:`HITS` are shown.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.screens.actions import read_closed_orders
from tui.store import ArchiveError, StoreError
from tui.text import searchable
from tui.widgets.safe import safe_line

if TYPE_CHECKING:
    from tui.app import CancelboardApp

PREFIX = "Jump to order "
HITS = 50
"""Hits shown at most (the best ones); discovery shows the first orders as many."""


def _display(text: str, matched: tuple[int, ...] = ()) -> Content:
    """A hit's line: ``text`` (``number · buyer``) after the prefix, ``matched`` offsets
    (into ``text``) underlined."""
    content = safe_line(PREFIX + text)
    if content.plain != PREFIX + text:
        return content  # cleaned: the offsets no longer line up
    for offset in matched:
        at = len(PREFIX) + offset
        if not content.plain[at].isspace():
            content = content.stylize("bold underline", at, at + 1)
    return content


def _in_order(needle: str, folded: str) -> list[int] | None:
    """Where the letters of ``needle`` come, in order, in ``folded`` (each the first place
    after the one before), or None."""
    found: list[int] = []
    at = -1
    for letter in needle:
        at = folded.find(letter, at + 1)
        if at < 0:
            return None
        found.append(at)
    return found


def rank(needle: str, texts: list[tuple[str, str]]) -> list[tuple[float, int, tuple[int, ...]]]:
    """The best matches of ``needle`` (lower case) among ``texts`` (each ``number · buyer``
    and its lower case, oldest order first): (score, index, matched offsets), best first,
    :data:`HITS` at most; among equal scores, the newest orders first (the open ones).

    A whole number or buyer scores 1; found as typed, 0.5 to 0.99 (earlier is better);
    letters in order, up to 0.45 (closer together is better)."""
    if not needle:
        return []
    found: list[tuple[float, int, tuple[int, ...]]] = []
    for index, (_, folded) in enumerate(texts):
        at = folded.find(needle)
        if at >= 0:
            whole = folded.split(" · ", 1)
            score = 1.0 if needle in whole else 0.99 - min(at, 49) / 100
            found.append((score, index, tuple(range(at, at + len(needle)))))
            continue
        places = _in_order(needle, folded)
        if places is not None:
            score = 0.45 * len(needle) / (places[-1] - places[0] + 1)
            found.append((score, index, tuple(places)))
    found.sort(key=lambda hit: (-hit[0], -hit[1]))
    return found[:HITS]


class OrderCommands(Provider):
    """'Jump to order' for every order, open or archived."""

    texts: list[tuple[str, str]]
    numbers: list[str]

    async def startup(self) -> None:
        app: CancelboardApp = self.app  # type: ignore[assignment]
        try:
            names = await read_closed_orders(app.board.names)
        except ArchiveError as error:
            app.say(str(error), "error")  # the open orders can still be jumped to
            try:
                names = await read_closed_orders(app.board.names, archived=False)
            except StoreError as again:
                app.say(str(again), "error")
                names = []
        except StoreError as error:  # the board file itself: said, nothing to jump to
            app.say(str(error), "error")
            names = []
        self.numbers = [number for number, _ in names]
        texts = [f"{number} · {buyer}" for number, buyer in names]
        self.texts = [(text, searchable(text)) for text in texts]

    def _open(self, number: str) -> None:
        app: CancelboardApp = self.app  # type: ignore[assignment]
        app.open_order(number)

    async def search(self, query: str) -> Hits:
        needle = searchable(query.strip())
        for score, index, matched in rank(needle, self.texts):
            text = self.texts[index][0]
            # Offsets into the lower case: the same places unless lowering changed lengths.
            if len(self.texts[index][1]) != len(text):
                matched = ()
            yield Hit(
                score,
                _display(text, matched),
                partial(self._open, self.numbers[index]),
                text=PREFIX + text,
                help="Open this order",
            )

    async def discover(self) -> Hits:
        for index, (text, _) in enumerate(self.texts[:HITS]):
            content = _display(text)
            yield DiscoveryHit(
                content, partial(self._open, self.numbers[index]), text=content.plain
            )
