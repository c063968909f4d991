"""The command palette (``ctrl+p``): jump to any order by number or buyer.

Buyer names are people's text: the palette's own highlighter parses markup, so hits are
built as plain ``Content`` here, and help lines never hold user text.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.domain import Order
from tui.widgets.safe import safe_line

if TYPE_CHECKING:
    from tui.app import CancelboardApp


def _display(order: Order, matched: tuple[int, ...] = ()) -> tuple[str, Content]:
    text = f"Jump to order {order.number} · {order.buyer}"
    content = safe_line(text)
    for offset in matched:
        if offset < len(content.plain) and not content.plain[offset].isspace():
            content = content.stylize("bold underline", offset, offset + 1)
    return content.plain, content


class OrderCommands(Provider):
    """'Jump to order' for every order, open or archived."""

    orders: list[Order]

    async def startup(self) -> None:
        app: CancelboardApp = self.app  # type: ignore[assignment]
        self.orders = await asyncio.to_thread(app.board.orders, archived=True)

    def _open(self, number: str) -> None:
        app: CancelboardApp = self.app  # type: ignore[assignment]
        app.open_order(number)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for order in self.orders:
            plain, _ = _display(order)
            score = matcher.match(plain)
            if score > 0:
                _, offsets = matcher.fuzzy_search.match(query, plain)
                _, content = _display(order, tuple(offsets))
                yield Hit(
                    score,
                    content,
                    partial(self._open, order.number),
                    text=plain,
                    help="Open this order",
                )

    async def discover(self) -> Hits:
        for order in self.orders[:50]:
            plain, content = _display(order)
            yield DiscoveryHit(content, partial(self._open, order.number), text=plain)
