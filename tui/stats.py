"""What the board says about why orders get cancelled and what it costs.

Pure Python (no Textual, no TinyDB): :func:`compute_stats` turns orders into a
:class:`Stats` value; :func:`render_text` draws it as plain text with bar charts for
``cancelboard stats``; :func:`to_json` gives it to scripts. The stats screen uses the same
:class:`Stats`.

Definitions (the numbers must be explainable to a seller):

- A case is *resolved* once it reached a resolution: it sits in Follow up, Lessons or the
  archive with an outcome. Resolved cases are *cancelled* when their outcome is one of the
  ``cancelled-*`` outcomes, else *saved* (saved, partial refund, Customer Support ruled for
  me, request withdrawn). The save rate is saved / (saved + cancelled).
- Money counts resolved cases only: *refunded* is the refund recorded on each; *kept* is the
  order's amount minus that refund; *at stake* is the amount of the unresolved cases.
- *Cancellations by reason* counts the cancelled cases (the same ones as *cancelled*
  above) by the reason of their request; one cancelled without a request (by the buyer
  alone) counts under "(no reason recorded)". A request still open, declined or withdrawn,
  or one Customer Support ruled on for me, is no cancellation: its reason is not counted.
- *By outcome* counts the resolved cases by their outcome (they add up to saved plus
  cancelled): a request withdrawn, the order back in Talk to buyer, is not resolved yet.
- *Cases per month*: cases created in each of the last 12 calendar months (this one
  included), in the time zone of ``now``.
- *Median days in a stage*: for each case, the total time it spent in the stage over all
  its visits, from its history (time between entering the stage and leaving it; the stage
  it is in now counts up to ``now``); the median is over the cases that visited the stage.
  The archive has no time in stage.
- *Repeat buyers*: buyers (case-insensitive) with more than one case.
"""

from __future__ import annotations

import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tui.domain import OPEN_STAGES, Order, Outcome, Stage, from_iso, to_iso
from tui.text import clean_line, format_amount, shorten_cells

NO_REASON = ""
"""The key of cancelled cases with no reason recorded."""
NO_REASON_LABEL = "(no reason recorded)"

RESOLVED_STAGES = frozenset({Stage.FOLLOW_UP, Stage.LESSONS, Stage.CLOSED})
"""Stages where a case has reached its resolution."""

_DAY = timedelta(days=1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Count:
    """One bar of a chart: a key for programs, a label for people and a count."""

    key: str
    """Reason id, outcome value, month (``2026-03``) or buyer name as stored."""
    label: str
    """Words for people (the reason's label, ``Mar 2026``, …)."""
    count: int
    """How many cases."""


@dataclass(frozen=True)
class StageTime:
    """How long cases stay in one stage."""

    stage: Stage
    """The stage."""
    median_days: float | None
    """Median of each case's total days in the stage; None when no case visited it."""
    cases: int
    """How many cases visited the stage."""


@dataclass(frozen=True)
class Money:
    """Money of one currency, in integer cents."""

    currency: str
    """ISO code."""
    refunded: int
    """Refunded to buyers on resolved cases."""
    kept: int
    """Kept by the seller on resolved cases (amount minus refund)."""
    at_stake: int
    """The amount of cases not resolved yet."""


@dataclass(frozen=True)
class Stats:
    """The board's numbers at one moment; see the module's docstring for definitions."""

    now: datetime
    """When they were computed."""
    cases: int
    """Every order on the board, archive included."""
    open: int
    """Orders not in the archive."""
    by_reason: tuple[Count, ...]
    """Cancelled cases by reason: the known reasons in their order (zeros included),
    then unknown ids, then cancelled cases without a reason."""
    by_outcome: tuple[Count, ...]
    """Resolved cases by outcome, every outcome in its usual order (zeros included)."""
    per_month: tuple[Count, ...]
    """Cases created per month, the 12 months up to ``now``, oldest first."""
    saved: int
    """Resolved cases that were not cancelled."""
    cancelled: int
    """Resolved cases that ended cancelled."""
    unresolved: int
    """Cases with no resolution yet."""
    money: tuple[Money, ...]
    """Refunded, kept and at stake, one line per currency (sorted by code)."""
    stage_days: tuple[StageTime, ...]
    """Median days in each open stage, left to right."""
    repeat_buyers: tuple[Count, ...]
    """Buyers with more than one case, most cases first."""

    @property
    def save_rate(self) -> float | None:
        """Saved / (saved + cancelled), or None when nothing is resolved."""
        decided = self.saved + self.cancelled
        return self.saved / decided if decided else None

    @property
    def refunded(self) -> dict[str, int]:
        """Cents refunded, by currency."""
        return {m.currency: m.refunded for m in self.money}

    @property
    def kept(self) -> dict[str, int]:
        """Cents kept, by currency."""
        return {m.currency: m.kept for m in self.money}


# ----------------------------------------------------------------------------- computing


def is_resolved(order: Order) -> bool:
    """Whether the case has reached its resolution (see the module's docstring)."""
    return order.outcome is not None and order.stage in RESOLVED_STAGES


def compute_stats(
    orders: Iterable[Order],
    now: datetime,
    reasons: Iterable[tuple[str, str]] = (),
    *,
    spent: Sequence[dict[Stage, timedelta]] | None = None,
) -> Stats:
    """The numbers of a board: ``orders`` (archive included), ``reasons`` as (id, label).

    ``spent``, if given, is each order's :func:`time_in_stages` worked out already (see
    :func:`time_in_stored_stages`), and the orders' history is not read."""
    orders = list(orders)
    if spent is None:
        spent = [time_in_stages(order, now) for order in orders]
    labels = dict(reasons)
    return Stats(
        now=now,
        cases=len(orders),
        open=sum(1 for o in orders if o.is_open),
        by_reason=_by_reason(orders, labels),
        by_outcome=_by_outcome(orders),
        per_month=_per_month(orders, now),
        saved=sum(1 for o in orders if is_resolved(o) and not _cancelled(o)),
        cancelled=sum(1 for o in orders if is_resolved(o) and _cancelled(o)),
        unresolved=sum(1 for o in orders if not is_resolved(o)),
        money=_money(orders),
        stage_days=_stage_days(spent),
        repeat_buyers=_repeat_buyers(orders),
    )


def _cancelled(order: Order) -> bool:
    return order.outcome is not None and order.outcome.cancelled


def _by_reason(orders: Sequence[Order], labels: dict[str, str]) -> tuple[Count, ...]:
    counts: Counter[str] = Counter()
    for order in orders:
        # Only cancellations: a request still open (or declined, withdrawn, ruled on for
        # me) made the reasons add up to more than the cases cancelled.
        if is_resolved(order) and _cancelled(order):
            counts[order.reason or NO_REASON] += 1
    result = [Count(rid, label, counts[rid]) for rid, label in labels.items()]
    result += [Count(rid, rid, n) for rid, n in sorted(counts.items()) if rid and rid not in labels]
    if counts[NO_REASON]:
        result.append(Count(NO_REASON, NO_REASON_LABEL, counts[NO_REASON]))
    return tuple(result)


def _by_outcome(orders: Sequence[Order]) -> tuple[Count, ...]:
    # Resolved cases only: a withdrawn request back in talk was also 'not resolved yet'.
    counts = Counter(o.outcome for o in orders if o.outcome is not None and is_resolved(o))
    return tuple(Count(o.value, o.label, counts[o]) for o in Outcome)


def _month_index(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def _per_month(orders: Sequence[Order], now: datetime) -> tuple[Count, ...]:
    zone = now.tzinfo
    last = _month_index(now)
    counts: Counter[int] = Counter(
        _month_index(o.created_at.astimezone(zone) if zone else o.created_at) for o in orders
    )
    result = []
    for index in range(last - 11, last + 1):
        year, month = divmod(index, 12)
        label = f"{_MONTHS[month]} {year:04d}"
        result.append(Count(f"{year:04d}-{month + 1:02d}", label, counts[index]))
    return tuple(result)


def _money(orders: Sequence[Order]) -> tuple[Money, ...]:
    refunded: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    at_stake: Counter[str] = Counter()
    for order in orders:
        if is_resolved(order):
            refunded[order.currency] += order.refund_cents
            kept[order.currency] += max(0, order.amount_cents - order.refund_cents)
        else:
            at_stake[order.currency] += order.amount_cents
    currencies = sorted(set(refunded) | set(kept) | set(at_stake))
    return tuple(Money(c, refunded[c], kept[c], at_stake[c]) for c in currencies)


def time_in_stages(order: Order, now: datetime) -> dict[Stage, timedelta]:
    """The total time one case spent in each stage, from its history.

    Every event with a target stage (created, moved, closed, reopened) leaves the stage
    the case was in and enters its target. A case whose history records no stage change
    (written by hand, or imported from CSV) has been in its stage since
    ``entered_stage_at``. The archive gets no time.
    """
    changes = ((e.to_stage, e.from_stage, e.at) for e in order.history if e.to_stage)
    return _time_in(changes, order.stage, order.entered_stage_at, now)


def time_in_stored_stages(
    history: Iterable[Any], stage: Stage, entered_stage_at: datetime, now: datetime
) -> dict[Stage, timedelta]:
    """:func:`time_in_stages` of an order read without its history, from the history as
    stored (event documents): converting every event of every order, and the entries,
    was most of the cost of stats on a big board. Only the events that change stage are
    read; a damaged one raises KeyError, ValueError, TypeError or AttributeError, as
    converting it would."""
    changes = (
        (Stage(e["to"]), Stage(e["from"]) if e.get("from") else None, from_iso(e["at"]))
        for e in history
        if e.get("to")
    )
    return _time_in(changes, stage, entered_stage_at, now)


def _time_in(
    changes: Iterable[tuple[Stage, Stage | None, datetime]],
    stage: Stage,
    entered_stage_at: datetime,
    now: datetime,
) -> dict[Stage, timedelta]:
    """Time per stage from the stage changes (to, from, when), oldest first."""
    spent: dict[Stage, timedelta] = {}
    current: Stage | None = None
    since = entered_stage_at
    zero = timedelta(0)
    for to_stage, from_stage, at in changes:
        if current is not None:
            left = from_stage or current
            spent[left] = spent.get(left, zero) + max(zero, at - since)
        current, since = to_stage, at
    if current is None:
        current = stage
    spent[current] = spent.get(current, zero) + max(zero, now - since)
    spent.pop(Stage.CLOSED, None)
    return spent


def _stage_days(spent: Sequence[dict[Stage, timedelta]]) -> tuple[StageTime, ...]:
    days: dict[Stage, list[float]] = {stage: [] for stage in OPEN_STAGES}
    for times in spent:
        for stage, time in times.items():
            days[stage].append(time / _DAY)
    return tuple(
        StageTime(stage, statistics.median(values) if values else None, len(values))
        for stage, values in days.items()
    )


def _repeat_buyers(orders: Sequence[Order]) -> tuple[Count, ...]:
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for order in orders:
        key = order.buyer.casefold()
        counts[key] += 1
        names.setdefault(key, order.buyer)
    repeat = [Count(names[k], names[k], n) for k, n in counts.items() if n > 1]
    repeat.sort(key=lambda c: (-c.count, c.label.casefold()))
    return tuple(repeat)


# ----------------------------------------------------------------------------- JSON


def to_json(stats: Stats) -> dict[str, Any]:
    """The numbers as JSON-ready data (amounts in cents and as decimal strings)."""
    rate = stats.save_rate
    return {
        "generated_at": to_iso(stats.now),
        "cases": stats.cases,
        "open": stats.open,
        "by_reason": [
            {"reason": c.key or None, "label": c.label, "count": c.count} for c in stats.by_reason
        ],
        "by_outcome": [
            {"outcome": c.key, "label": c.label, "count": c.count} for c in stats.by_outcome
        ],
        "per_month": [{"month": c.key, "count": c.count} for c in stats.per_month],
        "saved": stats.saved,
        "cancelled": stats.cancelled,
        "unresolved": stats.unresolved,
        "save_rate": round(rate, 4) if rate is not None else None,
        "money": [
            {
                "currency": m.currency,
                "refunded_cents": m.refunded,
                "kept_cents": m.kept,
                "at_stake_cents": m.at_stake,
                "refunded": format_amount(m.refunded),
                "kept": format_amount(m.kept),
                "at_stake": format_amount(m.at_stake),
            }
            for m in stats.money
        ],
        "stage_days": [
            {
                "stage": s.stage.value,
                "median_days": round(s.median_days, 2) if s.median_days is not None else None,
                "cases": s.cases,
            }
            for s in stats.stage_days
        ],
        "repeat_buyers": [{"buyer": c.key, "cases": c.count} for c in stats.repeat_buyers],
    }


# ----------------------------------------------------------------------------- text

_EIGHTHS = " ▏▎▍▌▋▊▉"
FULL_BLOCK = "█"


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes (wide East Asian characters take two)."""
    return sum(
        0
        if unicodedata.combining(ch)
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells (marked with an ellipsis) and padded to it."""
    text = shorten_cells(text, width)
    return text + " " * (width - cell_width(text))


def bar(value: float, maximum: float, width: int) -> str:
    """A horizontal bar of block characters, in eighths of a cell; empty for zero."""
    if maximum <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, round(value / maximum * width * 8))
    full, part = divmod(min(eighths, width * 8), 8)
    return FULL_BLOCK * full + (_EIGHTHS[part] if part else "")


def bar_chart(rows: Sequence[tuple[str, int, str]], width: int = 80) -> list[str]:
    """Lines of ``label  ████▌ value``; rows are (label, number, text shown after the bar)."""
    if not rows:
        return []
    text_width = max(cell_width(text) for _, _, text in rows)
    # Labels take the room they need, but for a bar of a quarter of the width (a third
    # cut "Requirements or scope mi…" beside a 60-cell bar).
    room = width - text_width - 4 - (max(4, width // 4) if width >= 60 else 4)
    label_width = min(max(cell_width(label) for label, _, _ in rows), max(8, room))
    bar_width = max(1, width - label_width - text_width - 4)
    top = max(value for _, value, _ in rows)
    lines = []
    for label, value, text in rows:
        drawn = bar(value, top, bar_width)
        lines.append(f"  {fit(label, label_width)} {drawn} {text}".rstrip())
    return lines


def _money_text(cents: int) -> str:
    whole, rest = divmod(cents, 100)
    return f"{whole:,}.{rest:02d}"


def render_text(stats: Stats, width: int = 80) -> str:
    """The numbers as plain text with bar charts, ``width`` cells wide (at least 24)."""
    width = max(24, width)
    out: list[str] = []

    def section(title: str) -> None:
        if out:
            out.append("")
        out.append(title)

    resolved = stats.saved + stats.cancelled
    out.append(
        f"{stats.cases} case{'s' if stats.cases != 1 else ''}: {stats.open} open,"
        f" {stats.cases - stats.open} archived"
    )

    section("Saved vs cancelled (resolved cases)")
    if resolved:
        rate = stats.save_rate or 0.0
        out += bar_chart(
            [
                ("saved", stats.saved, f"{stats.saved}"),
                ("cancelled", stats.cancelled, f"{stats.cancelled}"),
            ],
            width,
        )
        out.append(f"  save rate {rate:.0%} ({stats.saved} of {resolved})")
    else:
        out.append("  no resolved cases yet")
    out.append(f"  not resolved yet: {stats.unresolved}")

    section("Money (at stake: not resolved yet)")
    if stats.money:
        rows = [("", "refunded", "kept", "at stake")]
        rows += [
            (m.currency, _money_text(m.refunded), _money_text(m.kept), _money_text(m.at_stake))
            for m in stats.money
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            cells = [row[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
            ]
            out.append(("  " + "  ".join(cells)).rstrip())
    else:
        out.append("  no orders")

    section("Cancellations by reason")
    if any(c.count for c in stats.by_reason):
        out += bar_chart(
            [(clean_line(c.label), c.count, str(c.count)) for c in stats.by_reason], width
        )
    else:
        out.append("  none yet")

    section("Cases by outcome")
    if any(c.count for c in stats.by_outcome):
        # In words, as the dialogs and the order say them ("cs-ruled-for-seller" read as
        # a program's id among the seller's words).
        out += bar_chart([(c.label, c.count, str(c.count)) for c in stats.by_outcome], width)
    else:
        out.append("  none yet")

    section("Cases per month (last 12 months)")
    out += bar_chart([(c.label, c.count, str(c.count)) for c in stats.per_month], width)

    section("Median days in each stage")
    rows_days = [
        (
            s.stage.label,
            round((s.median_days or 0) * 100),
            f"{s.median_days:.1f} d ({s.cases} case{'s' if s.cases != 1 else ''})"
            if s.median_days is not None
            else "-",
        )
        for s in stats.stage_days
    ]
    out += bar_chart(rows_days, width)

    section("Buyers with more than one case")
    if stats.repeat_buyers:
        out += bar_chart(
            [(clean_line(c.label), c.count, str(c.count)) for c in stats.repeat_buyers], width
        )
    else:
        out.append("  none")
    return "\n".join(out) + "\n"
