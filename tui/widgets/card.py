"""How one order reads as a card: a few lines of ``Content`` for a column's list."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content

from tui.domain import Order, Settings, card_timer, format_age
from tui.widgets.safe import safe_line

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


def card_content(lines: tuple[str, ...]) -> Content:
    """A card from :func:`card_lines`: number, buyer, amount and age, then the timer."""
    number, buyer, money, timer, level, tags = lines
    parts: list[Content] = [
        safe_line(number, "bold"),
        safe_line(buyer),
        Content(money),
    ]
    if timer:
        parts.append(Content.styled(timer, LEVEL_STYLES.get(level, "")))
    if tags:
        parts.append(safe_line(tags, "$text-accent"))
    return Content("\n").join(parts)
