"""Benchmark boards, written straight to disk in the store's own format.

A board of N orders is built with the domain's own functions (``new_order``, ``add_entry``,
``move_order``), so every document is exactly what the service would have written, then
serialised once the way :class:`tui.store.Store` does (``orjson.dumps`` of the TinyDB tables),
in its layout: open orders (and the index of archived numbers) in the board file, closed
ones in the archive file beside it, each order under the same id it would have had.
That takes a second or two for 10,000 orders, where 10,000 CLI calls would take an hour.

Shape: the newest 10% of the orders are open (spread over the five open stages, round
robin); the rest are archived (``closed``) with an outcome, each reached by the path that
outcome really takes (e.g. talk -> requested -> review -> follow-up -> closed for a CS
decision). Every order has 5 entries: a note, a message from the buyer, a reply, a second
note and a tagged lesson.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from tui import domain
from tui.domain import Direction, EntryKind, Move, Order, OrderDraft, Outcome, Stage
from tui.store import (
    ARCHIVED,
    DIGEST_KEY,
    FILE_MODE,
    ORDERS,
    archive_index,
    archive_path_of,
    empty_archive,
    empty_board,
)

ENTRIES_PER_ORDER = 5
OPEN_SHARE = 10
"""One order in this many is open (at least one on a non-empty board)."""
OPEN_PATHS: dict[Stage, tuple[Move, ...]] = {
    Stage.TALK: (),
    Stage.REQUESTED: (Move(Stage.REQUESTED, reason="scope", reason_text="wants another gig"),),
    Stage.REVIEW: (
        Move(Stage.REQUESTED, reason="dispute", initiator=domain.Initiator.BUYER),
        Move(Stage.REVIEW, ticket="CS-123456"),
    ),
    Stage.FOLLOW_UP: (
        Move(Stage.REQUESTED, reason="no-time"),
        Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_MUTUAL),
    ),
    Stage.LESSONS: (
        Move(Stage.REQUESTED, reason="unresponsive"),
        Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_NO_RESPONSE),
        Move(Stage.LESSONS),
    ),
}
"""How an open order reaches each stage (so its history and fields are the real ones)."""


def _closing_path(outcome: Outcome) -> tuple[Move, ...]:
    """The moves an archived order took to end with ``outcome``."""
    refund = "10.00" if outcome is Outcome.PARTIAL_REFUND else None
    close = Move(Stage.CLOSED, outcome=outcome, refund=refund)
    if outcome in (Outcome.SAVED, Outcome.PARTIAL_REFUND, Outcome.CANCELLED_BY_BUYER):
        return (Move(Stage.FOLLOW_UP, outcome=outcome, refund=refund), Move(Stage.LESSONS), close)
    if outcome in (Outcome.CANCELLED_MUTUAL, Outcome.CANCELLED_NO_RESPONSE):
        return (
            Move(Stage.REQUESTED, reason="mistake", initiator=domain.Initiator.BUYER),
            Move(Stage.FOLLOW_UP, outcome=outcome),
            Move(Stage.LESSONS),
            close,
        )
    if outcome in (Outcome.CANCELLED_BY_CS, Outcome.CS_RULED_FOR_SELLER):
        return (
            Move(Stage.REQUESTED, reason="dispute"),
            Move(Stage.REVIEW, ticket="CS-987654"),
            Move(Stage.FOLLOW_UP, outcome=outcome),
            close,
        )
    # Withdrawn: the request was taken back and the order went on.
    return (Move(Stage.REQUESTED, reason="other"), Move(Stage.TALK, outcome=outcome), close)


@dataclass(frozen=True)
class BoardInfo:
    """What the benchmarks need to know about a generated board."""

    path: Path
    orders: int
    open_orders: int
    size_bytes: int
    """The board file's size (open orders)."""
    archive_bytes: int
    """The archive file's size (closed orders; 0 when there is none)."""
    first_talk: str | None
    """The first card of 'Talk to buyer' (oldest in stage): shown when the board is drawn."""
    talk_count: int
    first_follow_up: str | None
    """The first card of 'Follow up': ``>`` moves it to 'Lessons' with no modal."""


def number_of(i: int) -> str:
    return f"FO{i:010X}"


def build_order(i: int, stage: Stage, outcome: Outcome | None, start: datetime) -> Order:
    """Order ``i``, created at ``start``, with 5 entries, moved to ``stage``."""
    number = number_of(i)
    draft = OrderDraft(
        number=number,
        buyer=f"buyer_{i:05d}",
        gig="I will design a minimalist logo for your business",
        amount=f"{25 + i % 200}.00",
        order_date=(start - timedelta(days=1)).date().isoformat(),
        due=(start + timedelta(days=4)).date().isoformat(),
        tags="late" if i % 7 == 0 else "",
    )
    order = domain.new_order(draft, start)
    texts = (
        (EntryKind.NOTE, None, f"{number}: buyer says the brief changed after ordering."),
        (EntryKind.MESSAGE, Direction.FROM_BUYER, "Hi, can we cancel? I found someone else."),
        (EntryKind.MESSAGE, Direction.TO_BUYER, "Sorry to hear that. Could a revision help?"),
        (EntryKind.NOTE, None, "Offered an extension of 2 days and a partial refund."),
        (EntryKind.LESSON, None, "Ask for the full brief before accepting rush orders."),
    )
    for j, (kind, direction, text) in enumerate(texts):
        at = start + timedelta(minutes=10 * (j + 1))
        tags = "scope, brief" if kind is EntryKind.LESSON else None
        order, _ = domain.add_entry(order, kind, text, at, direction=direction, tags=tags)
    moves = OPEN_PATHS[stage] if stage is not Stage.CLOSED else _closing_path(outcome)  # type: ignore[arg-type]
    for k, move in enumerate(moves):
        order = domain.move_order(order, move, start + timedelta(hours=2 * (k + 1)))
    return order


def build_board(path: Path, orders: int, now: datetime | None = None) -> BoardInfo:
    """Write a board of ``orders`` orders to ``path`` (replacing it); what it holds."""
    now = now or domain.utcnow()
    open_count = 0 if orders == 0 else max(1, orders // OPEN_SHARE)
    first_open = orders - open_count
    outcomes = list(Outcome)
    table: dict[str, dict[str, object]] = {}
    closed: dict[str, dict[str, object]] = {}
    firsts: dict[Stage, str] = {}
    talk = 0
    for i in range(orders):
        # Oldest first, one every 6 hours; the open ones are the newest (the last 10%), and
        # moved within the last day or two so countdowns show the usual range.
        start = now - timedelta(hours=6 * (orders - i) + 8)
        if i >= first_open:
            stage = domain.OPEN_STAGES[(i - first_open) % len(domain.OPEN_STAGES)]
            start = now - timedelta(hours=40) + timedelta(seconds=30 * (i - first_open))
            outcome = None
            firsts.setdefault(stage, number_of(i))
            talk += stage is Stage.TALK
        else:
            stage, outcome = Stage.CLOSED, outcomes[i % len(outcomes)]
        order = build_order(i, stage, outcome, start)
        assert order.stage is stage, (order.number, order.stage, stage)
        (closed if stage is Stage.CLOSED else table)[str(i + 1)] = order.to_dict()
    data = empty_board()
    data[ORDERS] = table
    archive_bytes = 0
    if closed:
        numbers = [str(d["order"]) for d in closed.values()]
        data[ARCHIVED] = archive_index(numbers, max(int(k) for k in closed))
        archive = empty_archive()
        archive[ORDERS] = closed
        archived = orjson.dumps(archive)
        write_private(archive_path_of(path), archived)
        archive_bytes = len(archived)
        # As a close by the app leaves it: the archive's digest (see Store._splice).
        data[ARCHIVED]["1"][DIGEST_KEY] = hashlib.sha256(archived).hexdigest()
    payload = orjson.dumps(data)
    write_private(path, payload)
    return BoardInfo(
        path=path,
        orders=orders,
        open_orders=open_count,
        size_bytes=len(payload),
        archive_bytes=archive_bytes,
        first_talk=firsts.get(Stage.TALK),
        talk_count=talk,
        first_follow_up=firsts.get(Stage.FOLLOW_UP),
    )


def write_private(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` (mode 0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.bench.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    os.replace(tmp, path)
