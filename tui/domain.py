"""The cancellation domain: stages, outcomes, orders, entries and the transition rules.

Pure Python: no Textual, no TinyDB. Everything here is a frozen dataclass or an Enum, and
every change to an order is a function that returns a new order with a history event.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from tui.text import clean_line, clean_text, format_amount, searchable

T = TypeVar("T")


class ValidationError(ValueError):
    """Input that breaks a rule; ``field`` names what is wrong, for one-line errors."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        """The field (or argument) at fault, e.g. ``amount``."""
        self.message = message
        """What is wrong with it, without the field name."""


class Stage(StrEnum):
    """The board's columns, left to right, then the hidden archive."""

    TALK = "talk"
    REQUESTED = "requested"
    REVIEW = "review"
    FOLLOW_UP = "follow-up"
    LESSONS = "lessons"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The column title shown on the board."""
        return STAGE_TITLES[self]

    @property
    def position(self) -> int:
        """Position from the left (the archive is last)."""
        return STAGE_ORDER.index(self)


STAGE_TITLES: dict[Stage, str] = {
    Stage.TALK: "Talk to buyer",
    Stage.REQUESTED: "Cancellation requested",
    Stage.REVIEW: "Fiverr review",
    Stage.FOLLOW_UP: "Follow up",
    Stage.LESSONS: "Lessons",
    Stage.CLOSED: "Closed",
}
STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)
OPEN_STAGES: tuple[Stage, ...] = STAGE_ORDER[:-1]


class Outcome(StrEnum):
    """How a case ended (or stands): recorded where it happens."""

    SAVED = "saved"
    PARTIAL_REFUND = "partial-refund"
    CANCELLED_MUTUAL = "cancelled-mutual"
    CANCELLED_NO_RESPONSE = "cancelled-no-response"
    CANCELLED_BY_BUYER = "cancelled-by-buyer"
    CANCELLED_BY_CS = "cancelled-by-cs"
    CS_RULED_FOR_SELLER = "cs-ruled-for-seller"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """Words for people."""
        return OUTCOME_LABELS[self]

    @property
    def cancelled(self) -> bool:
        """Whether the order ended cancelled (money went back to the buyer)."""
        return self.value.startswith("cancelled")


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.SAVED: "saved, order continued",
    Outcome.PARTIAL_REFUND: "partial refund",
    Outcome.CANCELLED_MUTUAL: "cancelled, both agreed",
    Outcome.CANCELLED_NO_RESPONSE: "cancelled, no answer in 48 h",
    Outcome.CANCELLED_BY_BUYER: "cancelled by the buyer",
    Outcome.CANCELLED_BY_CS: "cancelled by Customer Support",
    Outcome.CS_RULED_FOR_SELLER: "Customer Support ruled for me",
    Outcome.WITHDRAWN: "request withdrawn",
}


class Initiator(StrEnum):
    """Who asked for the cancellation."""

    ME = "me"
    BUYER = "buyer"


class Direction(StrEnum):
    """Which way a buyer message went; the value names the sender."""

    FROM_BUYER = "buyer"
    TO_BUYER = "me"

    @property
    def label(self) -> str:
        """Words for people."""
        return "from buyer" if self is Direction.FROM_BUYER else "to buyer"


class EntryKind(StrEnum):
    """The three kinds of text kept with an order."""

    NOTE = "note"
    MESSAGE = "message"
    LESSON = "lesson"


DEFAULT_REASONS: tuple[tuple[str, str], ...] = (
    ("mistake", "Ordered by mistake"),
    ("scope", "Requirements or scope mismatch"),
    ("unresponsive", "Buyer unresponsive"),
    ("no-time", "I can't deliver in time"),
    ("dispute", "Quality or expectation dispute"),
    ("fraud", "Fraud or terms issue"),
    ("other", "Other"),
)
"""Reason ids and labels; Fiverr does not publish its list, so these are editable."""

DEFAULT_REASON = "other"


# --------------------------------------------------------------------------- time


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """Store a moment as ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    """Read a stored moment; naive values are taken as UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def stored_object(value: Any, what: str) -> Mapping[str, Any]:
    """``value`` (an item read from the board file) as a JSON object; TypeError naming
    ``what`` it should be when it is anything else (a hand edit), as reading a field of
    it would fail with no word on what is wrong."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} is {_a(value)}, not an object")
    return value


def stored_list(value: Any, what: str) -> list[Any]:
    """``value`` (read from the board file) as a JSON array; TypeError naming ``what``."""
    if not isinstance(value, list):
        raise TypeError(f"{what} is {_a(value)}, not a list")
    return value


def stored_whole(value: Any, what: str) -> int:
    """A whole number read from the board file (``int()`` of it, as ever); ValueError when
    it is beyond what the file can hold (64 bits: a hand-written ``1e30`` read as a float
    could not be written back)."""
    number = int(value)
    if not -(1 << 63) <= number < 1 << 63:
        raise ValueError(f"{what} {value!r} is out of range")
    return number


def _a(value: Any) -> str:
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


# --------------------------------------------------------------------------- parsing

ORDER_RE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,39}")
CURRENCY_RE = re.compile(r"[A-Z]{3}")


def parse_order_number(text: str) -> str:
    """Validate an order number (``FO5B2A1C3D4E``); letters are upper-cased."""
    value = clean_line(text).upper()
    if not value:
        raise ValidationError("order", "required")
    if not ORDER_RE.fullmatch(value):
        raise ValidationError(
            "order", "use letters, digits, - or _ (at most 40), e.g. FO5B2A1C3D4E"
        )
    return value


def parse_required(field_name: str, text: str, limit: int = 200) -> str:
    """A required single-line text field."""
    value = clean_line(text)
    if not value:
        raise ValidationError(field_name, "required")
    if len(value) > limit:
        raise ValidationError(field_name, f"at most {limit} characters")
    return value


def parse_optional(field_name: str, text: str | None, limit: int = 200) -> str:
    """An optional single-line text field."""
    value = clean_line(text or "")
    if len(value) > limit:
        raise ValidationError(field_name, f"at most {limit} characters")
    return value


THOUSANDS_RE = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?")
"""An amount whose commas only group thousands (``1,200.50``)."""


def parse_amount(text: str | None, field_name: str = "amount") -> int:
    """Parse ``25``, ``25.5``, ``25.00`` or ``1,200.50`` into integer cents; empty means 0.

    A comma is taken only between thousands. Any other (``1,50``, ``1.500,00``, the way
    much of Europe writes cents) is refused, not guessed: read as a thousands separator
    it saved ``1,50`` as 150.00, a hundred times the amount meant."""
    raw = clean_line(text or "")
    if "," in raw:
        if not THOUSANDS_RE.fullmatch(raw):
            raise ValidationError(
                field_name,
                f"write cents after a dot, as 1.50 (a comma only between thousands): {raw!r}",
            )
        raw = raw.replace(",", "")
    if not raw:
        return 0
    # Plain decimals only: Decimal would also take "1e400", "NaN" or "-0".
    if not re.fullmatch(r"\d+(?:\.\d*)?|\.\d+", raw):
        raise ValidationError(field_name, f"not a non-negative number: {raw!r}")
    value = Decimal(raw)
    if len(raw.partition(".")[2]) > 2:
        # Not only when they would be lost: "1.500" (1500 as much of Europe writes it)
        # was saved as 1.50.
        raise ValidationError(field_name, "at most two decimals")
    if value >= Decimal("100000000"):
        raise ValidationError(field_name, "too large (at most 99999999.99)")
    return int(value * 100)


def parse_currency(text: str | None, default: str = "USD") -> str:
    """A three-letter currency code; empty means ``default``."""
    value = clean_line(text or "").upper() or default
    if not CURRENCY_RE.fullmatch(value):
        raise ValidationError("currency", f"three letters, e.g. USD (got {value!r})")
    return value


def parse_date(text: str | None, field_name: str = "due") -> date | None:
    """A ``YYYY-MM-DD`` date; empty means none."""
    raw = clean_line(text or "")
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):  # (\d takes other digits: fullwidth)
        raise ValidationError(field_name, f"not a date in YYYY-MM-DD form: {raw!r}")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(field_name, f"no such date: {raw!r}") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            field_name, f"a date from {FIRST_YEAR} to {LAST_YEAR}, not {day.year} ({raw!r})"
        )
    return day


FIRST_YEAR, LAST_YEAR = 2000, 2099
"""The years an order's dates can be in (a typo such as 9999 is refused, not kept)."""


def parse_tags(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """Tags from ``#late, repeat-buyer`` or a list; lower-cased, without ``#``, unique."""
    if text is None:
        return ()
    parts = re.split(r"[,\s]+", text) if isinstance(text, str) else list(text)
    tags: list[str] = []
    for part in parts:
        tag = clean_line(part).lstrip("#").lower()
        if not tag:
            continue
        if len(tag) > 40:
            raise ValidationError("tags", f"a tag has at most 40 characters: {tag[:40]!r}…")
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def parse_entry_text(text: str, field_name: str = "text") -> str:
    """The text of a note, message or lesson: cleaned, required, trailing space trimmed."""
    value = clean_text(text).strip("\n ").rstrip()
    if not value.strip():
        raise ValidationError(field_name, "required")
    return value


# --------------------------------------------------------------------------- records


def new_id() -> str:
    """A random id that two processes will not both pick."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Entry:
    """A note, buyer message or lesson."""

    id: str
    """Unique id (random, so two sessions adding at once never collide)."""
    kind: EntryKind
    """Note, message or lesson."""
    text: str
    """The cleaned text, possibly many lines."""
    at: datetime
    """When it was written (or, for a message, sent)."""
    direction: Direction | None = None
    """For messages: from the buyer or to the buyer."""
    tags: tuple[str, ...] = ()
    """For lessons: tags for the library."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "text": self.text,
            "at": to_iso(self.at),
        }
        if self.direction is not None:
            data["direction"] = self.direction.value
        if self.tags:
            data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Entry:
        data = stored_object(data, "an entry")
        direction = data.get("direction")
        return cls(
            id=str(data["id"]),
            kind=EntryKind(data["kind"]),
            text=clean_text(str(data.get("text", ""))),
            at=from_iso(data["at"]),
            direction=Direction(direction) if direction else None,
            tags=tuple(clean_line(str(t)) for t in data.get("tags", ())),
        )


@dataclass(frozen=True)
class Event:
    """One line of an order's history: the timeline a seller pastes into a CS ticket."""

    at: datetime
    """When it happened."""
    action: str
    """``created``, ``moved``, ``closed``, ``reopened``, ``edited``, ``note``, …"""
    from_stage: Stage | None = None
    """The stage before a move."""
    to_stage: Stage | None = None
    """The stage after a move."""
    outcome: Outcome | None = None
    """The outcome recorded by this change, if any."""
    detail: str = ""
    """Anything else worth keeping (reason, ticket, fields edited)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"at": to_iso(self.at), "action": self.action}
        if self.from_stage:
            data["from"] = self.from_stage.value
        if self.to_stage:
            data["to"] = self.to_stage.value
        if self.outcome:
            data["outcome"] = self.outcome.value
        if self.detail:
            data["detail"] = self.detail
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        data = stored_object(data, "a history event")
        return cls(
            at=from_iso(data["at"]),
            action=clean_line(str(data["action"])),
            from_stage=Stage(data["from"]) if data.get("from") else None,
            to_stage=Stage(data["to"]) if data.get("to") else None,
            outcome=Outcome(data["outcome"]) if data.get("outcome") else None,
            detail=clean_line(str(data.get("detail", ""))),
        )

    def describe(self) -> str:
        """One line of plain text, without the time."""
        parts = [self.action]
        if self.from_stage and self.to_stage:
            parts.append(f"{self.from_stage.label} -> {self.to_stage.label}")
        elif self.to_stage:
            parts.append(self.to_stage.label)
        if self.outcome:
            parts.append(f"outcome: {self.outcome.label}")
        if self.detail:
            parts.append(self.detail)
        return " · ".join(parts)


class DamagedOrder(ValueError):
    """A stored order whose entries or history cannot be read (see :class:`Later`)."""


def count_stored(items: Iterable[Any], kind: EntryKind) -> int:
    """How many of an order's stored entries (not converted) are of ``kind``."""
    return sum(1 for item in items if isinstance(item, dict) and item.get("kind") == kind)


@dataclass(frozen=True)
class Stored:
    """An order's entries or history as stored, not converted yet."""

    items: list[Any]


class Later(Generic[T]):
    """An order field (entries, history) that may hold its stored items until first read.

    Reading them is most of the cost of reading an order, and a board's first paint needs
    none of it: ``Order.from_dict(..., lazy=True)`` leaves them :class:`Stored`, and the
    first read converts them (raising :class:`DamagedOrder` for a damaged item) and keeps
    the result. Everything else sees a plain tuple.
    """

    def __init__(self, convert: Callable[[Mapping[str, Any]], T]) -> None:
        self._convert = convert
        self._name = ""
        self._slot = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name
        self._slot = f"_{name}"

    def __get__(self, obj: object | None, owner: type | None = None) -> tuple[T, ...]:
        if obj is None:
            return ()  # the field's default
        value = obj.__dict__[self._slot]
        if isinstance(value, Stored):
            try:
                value = tuple(self._convert(item) for item in value.items)
            except (KeyError, ValueError, TypeError, AttributeError) as error:
                number = obj.__dict__.get("number", "?")
                raise DamagedOrder(
                    f"order {number}: its {self._name} are damaged"
                    f" ({type(error).__name__}: {error})"
                ) from None
            obj.__dict__[self._slot] = value
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: object, value: tuple[T, ...] | Stored) -> None:
        obj.__dict__[self._slot] = value


@dataclass(frozen=True)
class Order:
    """A Fiverr order heading for cancellation: one card on the board."""

    number: str
    """Fiverr's order number, e.g. ``FO5B2A1C3D4E``; unique on a board."""
    buyer: str
    """The buyer's username."""
    created_at: datetime
    """When the card was created."""
    entered_stage_at: datetime
    """When the order entered its current stage (drives 'days in stage')."""
    stage: Stage = Stage.TALK
    """The column it sits in."""
    gig: str = ""
    """The gig's title."""
    amount_cents: int = 0
    """The order's price in cents."""
    currency: str = "USD"
    """ISO currency code."""
    order_date: date | None = None
    """When the buyer ordered."""
    due: date | None = None
    """The delivery due date."""
    reason: str = ""
    """Cancellation reason id (from the editable list)."""
    reason_text: str = ""
    """Free text about the reason."""
    initiator: Initiator | None = None
    """Who asked for the cancellation."""
    requested_at: datetime | None = None
    """When the request was submitted in the Resolution Center (starts the 48 h)."""
    escalated_at: datetime | None = None
    """When the declined request went to Customer Support."""
    ticket: str = ""
    """Customer Support ticket reference."""
    next_check: date | None = None
    """When to look at the CS ticket again."""
    follow_up_due: date | None = None
    """When to check in with the buyer after the resolution."""
    outcome: Outcome | None = None
    """How it ended, or stands."""
    refund_cents: int = 0
    """Money refunded to the buyer, in cents."""
    tags: tuple[str, ...] = ()
    """Free tags for filtering (``late``, ``repeat-buyer``)."""
    entries: Later[Entry] = Later(Entry.from_dict)
    """Notes, messages and lessons, oldest first."""
    history: Later[Event] = Later(Event.from_dict)
    """Every change, oldest first."""
    revision: int = 1
    """Bumped by each change to the order's fields or stage; stale edits are refused."""

    # ---------------------------------------------------------------- views

    def entries_of(self, kind: EntryKind) -> tuple[Entry, ...]:
        """Entries of one kind, oldest first."""
        return tuple(e for e in self.entries if e.kind is kind)

    def count_of(self, kind: EntryKind) -> int:
        """How many entries of one kind; entries not read yet (see :class:`Later`) are
        counted as stored, so a card's lesson count does not read them all first."""
        stored = self.__dict__.get("_entries")
        if isinstance(stored, Stored):
            return count_stored(stored.items, kind)
        return len(self.entries_of(kind))

    @property
    def amount(self) -> str:
        """The amount as a decimal string."""
        return format_amount(self.amount_cents)

    @property
    def is_open(self) -> bool:
        """Whether it is on the board (not archived)."""
        return self.stage is not Stage.CLOSED

    def search_text(self) -> str:
        """The text a filter looks in, as :func:`searchable` gives it."""
        parts = [self.number, self.buyer, self.gig, self.reason_text, self.ticket]
        parts += [f"#{t}" for t in self.tags]
        try:
            parts += [e.text for e in self.entries]
        except DamagedOrder:
            pass  # read after the paint: the board reports it then (Board.load_details)
        return searchable("\n".join(parts))

    # ---------------------------------------------------------------- storage

    def to_dict(self) -> dict[str, Any]:
        def opt_dt(value: datetime | None) -> str | None:
            return to_iso(value) if value else None

        def opt_d(value: date | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "order": self.number,
            "buyer": self.buyer,
            "gig": self.gig,
            "amount_cents": self.amount_cents,
            "currency": self.currency,
            "order_date": opt_d(self.order_date),
            "due": opt_d(self.due),
            "stage": self.stage.value,
            "created_at": to_iso(self.created_at),
            "entered_stage_at": to_iso(self.entered_stage_at),
            "reason": self.reason,
            "reason_text": self.reason_text,
            "initiator": self.initiator.value if self.initiator else None,
            "requested_at": opt_dt(self.requested_at),
            "escalated_at": opt_dt(self.escalated_at),
            "ticket": self.ticket,
            "next_check": opt_d(self.next_check),
            "follow_up_due": opt_d(self.follow_up_due),
            "outcome": self.outcome.value if self.outcome else None,
            "refund_cents": self.refund_cents,
            "tags": list(self.tags),
            "entries": [e.to_dict() for e in self.entries],
            "history": [h.to_dict() for h in self.history],
            "revision": self.revision,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, details: bool = True, lazy: bool = False
    ) -> Order:
        """The order a stored document holds; without ``details``, its entries and
        history are left out (listings: they are most of the cost of reading an order);
        with ``lazy``, they are converted when first read (see :class:`Later`)."""

        def opt_dt(key: str) -> datetime | None:
            value = data.get(key)
            return from_iso(value) if value else None

        def opt_d(key: str) -> date | None:
            value = data.get(key)
            return date.fromisoformat(value) if value else None

        def details_of(key: str, convert: Callable[[Any], T]) -> tuple[T, ...] | Stored:
            if not details:
                return ()
            items = stored_list(data.get(key, []), f"its {key}")
            if lazy:
                return Stored(list(items))
            return tuple(convert(item) for item in items)

        initiator = data.get("initiator")
        outcome = data.get("outcome")
        return cls(
            number=clean_line(str(data["order"])),
            buyer=clean_line(str(data.get("buyer", ""))),
            gig=clean_line(str(data.get("gig", ""))),
            amount_cents=stored_whole(data.get("amount_cents", 0), "amount_cents"),
            currency=clean_line(str(data.get("currency", "USD"))),
            order_date=opt_d("order_date"),
            due=opt_d("due"),
            stage=Stage(data.get("stage", "talk")),
            created_at=from_iso(data["created_at"]),
            entered_stage_at=from_iso(data["entered_stage_at"]),
            reason=clean_line(str(data.get("reason", ""))),
            reason_text=clean_text(str(data.get("reason_text", ""))),
            initiator=Initiator(initiator) if initiator else None,
            requested_at=opt_dt("requested_at"),
            escalated_at=opt_dt("escalated_at"),
            ticket=clean_line(str(data.get("ticket", ""))),
            next_check=opt_d("next_check"),
            follow_up_due=opt_d("follow_up_due"),
            outcome=Outcome(outcome) if outcome else None,
            refund_cents=stored_whole(data.get("refund_cents", 0), "refund_cents"),
            tags=tuple(clean_line(str(t)) for t in data.get("tags", ())),
            entries=details_of("entries", Entry.from_dict),
            history=details_of("history", Event.from_dict),
            revision=stored_whole(data.get("revision", 1), "revision"),
        )


@dataclass(frozen=True)
class OrderDraft:
    """What the new-order form (or ``cancelboard add``) gives, before validation."""

    number: str
    """Order number as typed."""
    buyer: str
    """Buyer as typed."""
    gig: str = ""
    """Gig title as typed."""
    amount: str = ""
    """Amount as typed (``25.00``)."""
    currency: str = ""
    """Currency as typed; empty means the default."""
    due: str = ""
    """Due date as typed (``YYYY-MM-DD``)."""
    order_date: str = ""
    """Order date as typed."""
    tags: str = ""
    """Tags as typed (``#late repeat-buyer``)."""
    next_check: str | None = None
    """When to look at the CS ticket again, as typed; None: not on the form."""
    follow_up_due: str | None = None
    """When to check in with the buyer, as typed; None: not on the form."""
    ticket: str | None = None
    """The CS ticket reference, as typed (it often comes after the escalation); None: not
    on the form."""
    reason_text: str | None = None
    """The request's details, as typed; None: not on the form."""


FIELD_WORDS = {
    "number": "order number",
    "amount_cents": "amount",
    "order_date": "order date",
    "follow_up_due": "follow-up date",
    "next_check": "next CS check",
    "ticket": "CS ticket",
    "reason_text": "reason details",
    "refund_cents": "refund",
    "created_at": "created",
    "entered_stage_at": "time in stage",
    "requested_at": "request time",
    "escalated_at": "escalation time",
}
"""An order's fields as its history names them (the others by their own names)."""

VALUES_IN_HISTORY = frozenset(
    {"number", "buyer", "amount_cents", "currency", "due", "order_date"}
    | {"follow_up_due", "next_check", "ticket", "refund_cents"}
)
"""Fields whose edit the history says with the value before and after: a renumbered
order's old number is what the CS ticket and the buyer's messages still name, and a moved
date or amount is part of the timeline a seller pastes. Free text (gig, tags, details)
is named only."""


def _history_value(name: str, value: object) -> str:
    if value is None or value == "":
        return "none"
    if name in ("amount_cents", "refund_cents") and isinstance(value, int):
        return format_amount(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def said_edit(order: Order, name: str, value: object) -> str:
    """How the history names one field's edit: ``due 2026-12-01 -> 2026-12-04``."""
    word = FIELD_WORDS.get(name, name)
    if name not in VALUES_IN_HISTORY:
        return word
    before = _history_value(name, getattr(order, name))
    return f"{word} {before} -> {_history_value(name, value)}"


def validate_draft(draft: OrderDraft, default_currency: str = "USD") -> dict[str, Any]:
    """Check every field of a draft; raises the first :class:`ValidationError`."""
    fields = {
        "number": parse_order_number(draft.number),
        "buyer": parse_required("buyer", draft.buyer, 80),
        "gig": parse_optional("gig", draft.gig),
        "amount_cents": parse_amount(draft.amount),
        "currency": parse_currency(draft.currency, default_currency),
        "due": parse_date(draft.due, "due"),
        "order_date": parse_date(draft.order_date, "order_date"),
        "tags": parse_tags(draft.tags),
    }
    if draft.next_check is not None:
        fields["next_check"] = parse_date(draft.next_check, "next_check")
    if draft.follow_up_due is not None:
        fields["follow_up_due"] = parse_date(draft.follow_up_due, "follow_up_due")
    if draft.ticket is not None:
        fields["ticket"] = parse_optional("ticket", draft.ticket, 80)
    if draft.reason_text is not None:
        fields["reason_text"] = parse_optional("reason_text", draft.reason_text, 2000)
    due, ordered = fields["due"], fields["order_date"]
    if isinstance(due, date) and isinstance(ordered, date) and due < ordered:
        raise ValidationError("due", f"before the order date, {ordered.isoformat()}")
    return fields


def check_partial_refund(refund_cents: int, amount_cents: int, currency: str) -> None:
    """A :class:`ValidationError` unless ``refund_cents`` is less than the order's amount
    (when it has one): refunding all of it is a cancellation, not a partial refund, and
    counting it as one made a full refund a 'saved' case in the stats."""
    if amount_cents and refund_cents >= amount_cents:
        raise ValidationError(
            "refund",
            f"a partial refund must be less than the order's {format_amount(amount_cents)}"
            f" {currency}",
        )


def check_consistent(order: Order, *, fill: bool = False) -> Order:
    """An order from outside (an import) whose outcome, refund and request fit together
    as the moves record them (an outcome from follow-up on, none before it but withdrawn),
    or a :class:`ValidationError` naming what does not.

    With ``fill``, what a move would have recorded and the row left empty is filled in:
    a cancelled order's refund (all of its amount), the time an order in 'requested'
    (or 'review') got there (when it entered its stage)."""
    outcome, refund = order.outcome, order.refund_cents
    if fill and order.due and order.order_date and order.due < order.order_date:
        # Typed into a spreadsheet: refused as the form refuses it. (A JSON export may
        # hold one from before that rule, and is taken as it is.)
        raise ValidationError("due", f"before the order date, {order.order_date.isoformat()}")
    needs_outcome = Stage.FOLLOW_UP if fill else Stage.CLOSED
    if outcome is None and order.stage.position >= needs_outcome.position:
        # Every way there records one: the moves into follow-up and the close require it,
        # and lessons come after follow-up. (A JSON export, from a board an older CSV
        # import filled, may hold one in follow-up or lessons without: taken as it is.)
        where = "a closed order" if order.stage is Stage.CLOSED else f"an order in {order.stage}"
        raise ValidationError("outcome", f"required for {where} (one of {', '.join(Outcome)})")
    if (
        outcome is not None
        and outcome is not Outcome.WITHDRAWN
        and order.stage.position < Stage.FOLLOW_UP.position
    ):
        raise ValidationError(
            "outcome", f"{outcome.value} is recorded from follow-up on, not in {order.stage.value}"
        )
    if outcome is Outcome.PARTIAL_REFUND and not refund:
        raise ValidationError("refund", "required for a partial refund (e.g. 10.00)")
    if outcome is Outcome.PARTIAL_REFUND:
        check_partial_refund(refund, order.amount_cents, order.currency)
    if order.amount_cents and refund > order.amount_cents:
        raise ValidationError("refund", f"more than the order's {order.amount} {order.currency}")
    if refund and not (outcome is Outcome.PARTIAL_REFUND or (outcome and outcome.cancelled)):
        raise ValidationError("refund", "only with the partial-refund outcome or a cancelled one")
    if not fill:
        return order
    # Typed into a spreadsheet, refused as a move or the form refuses it (a JSON export,
    # from an older version, is taken as it is).
    if outcome is not None and outcome.cancelled and refund and refund != order.amount_cents:
        raise ValidationError(
            "refund",
            f"a cancelled order refunds all of it, {order.amount} {order.currency}"
            " (a part of it is a partial refund)",
        )
    for name, (stage, needs) in STAGE_REACHED.items():
        if getattr(order, name) in (None, "") or order.stage.position >= stage.position:
            continue
        if name == "reason_text" and order.requested_at is not None:
            continue
        if name in ("ticket", "next_check") and order.escalated_at is not None:
            continue
        raise ValidationError(name, f"only for {needs}, not in {order.stage.value}")
    changes: dict[str, Any] = {}
    if outcome is not None and outcome.cancelled and not refund:
        changes["refund_cents"] = order.amount_cents
    if order.stage is Stage.REQUESTED and order.requested_at is None:
        changes["requested_at"] = order.entered_stage_at
    if order.stage is Stage.REVIEW and order.escalated_at is None:
        changes["escalated_at"] = order.entered_stage_at
    return replace(order, **changes) if changes else order


def new_order(draft: OrderDraft, now: datetime, default_currency: str = "USD") -> Order:
    """A new order in 'Talk to buyer', from a validated draft."""
    fields = validate_draft(draft, default_currency)
    return Order(
        created_at=now,
        entered_stage_at=now,
        history=(Event(at=now, action="created", to_stage=Stage.TALK),),
        **fields,
    )


STAGE_REACHED = {
    "reason_text": (Stage.REQUESTED, "a cancellation request"),
    "ticket": (Stage.REVIEW, "a case escalated to Customer Support"),
    "next_check": (Stage.REVIEW, "a case escalated to Customer Support"),
    "follow_up_due": (Stage.FOLLOW_UP, "an order in follow-up or later"),
}
"""The edit form's fields that belong to a stage, and what the order must have for them."""


def stage_fields_held(order: Order) -> frozenset[str]:
    """Which of :data:`STAGE_REACHED`'s fields ``order`` can hold: those of the stages it
    went through (a request, an escalation, a follow-up), and any it holds already."""
    went = {
        Stage.REQUESTED: order.requested_at is not None,
        Stage.REVIEW: order.escalated_at is not None,
        Stage.FOLLOW_UP: order.stage.position >= Stage.FOLLOW_UP.position,
    }
    return frozenset(
        name
        for name, (stage, _) in STAGE_REACHED.items()
        if went[stage] or getattr(order, name) not in (None, "")
    )


def edit_order(order: Order, draft: OrderDraft, now: datetime) -> Order:
    """The order with the draft's fields (same rules as creation); the number may change."""
    fields = validate_draft(draft, order.currency)
    held = stage_fields_held(order)
    for name, (_, needs) in STAGE_REACHED.items():
        if fields.get(name) not in (None, "") and name not in held:
            # An order in Talk to buyer has no request, ticket or follow-up date: a value
            # there showed on it, in listings and exports, and a move back clears it.
            raise ValidationError(name, f"only for {needs}")
    amount = fields.get("amount_cents", order.amount_cents)
    if amount != order.amount_cents and order.refund_cents:
        if order.outcome is not None and order.outcome.cancelled:
            # A cancelled order refunds all of it: the refund follows the amount.
            fields["refund_cents"] = amount
        elif amount and amount < order.refund_cents:
            # As a refund above the amount is refused when it is recorded.
            currency = fields.get("currency", order.currency)
            raise ValidationError(
                "amount",
                f"less than the refund already recorded, {format_amount(order.refund_cents)}"
                f" {currency}",
            )
        elif amount and amount == order.refund_cents and order.outcome is Outcome.PARTIAL_REFUND:
            # Nor may the amount come down to a partial refund: it would be all of it.
            currency = fields.get("currency", order.currency)
            raise ValidationError(
                "amount",
                f"a partial refund of {format_amount(order.refund_cents)} {currency} is"
                " recorded: the amount must be more than it",
            )
    if fields.get("reason_text") == clean_line(order.reason_text):
        # Details of several lines (an import) show on one line in the form: kept as
        # they are unless changed there.
        del fields["reason_text"]
    changed = [name for name, value in fields.items() if getattr(order, name) != value]
    if not changed:
        return order
    said = ", ".join(said_edit(order, name, fields[name]) for name in changed)
    event = Event(at=now, action="edited", detail=said)
    return replace(
        order,
        **fields,
        history=order.history + (event,),
        revision=order.revision + 1,
    )


def import_fields(
    order: Order, row: Order, given: Iterable[str], now: datetime, source: str = "CSV"
) -> Order:
    """``order`` with the fields an import's row gave (``given``, named as
    :meth:`Order.to_dict` names them); every other field stays as the order has it.

    What a move or an edit records with a field is recorded here too, unless the row gives
    it another value: a new stage is entered ``now``; back before a stage, what the order
    recorded for it is cleared and, before follow-up, its outcome (as :func:`move_order`);
    into follow-up, the follow-up date is set (by the default window); a new outcome or
    amount sets the refund a move sets (all of the amount when cancelled, none without a
    refund outcome).
    The result is checked (and filled) by :func:`check_consistent`, and its history says
    what changed, as :func:`edit_order`'s does. The order itself when nothing changes."""
    changes: dict[str, Any] = {
        name: getattr(row, name) for name in given if getattr(row, name) != getattr(order, name)
    }
    if not changes:
        return order
    # A cell that holds what the board has says nothing new: an export with one stage cell
    # changed (review -> talk) gives the ticket and request times as they were, and they
    # must go as a move back takes them.
    said = frozenset(changes)
    stage = changes.get("stage", order.stage)
    if stage is not order.stage:
        if "entered_stage_at" not in said:
            changes["entered_stage_at"] = now  # the stage is entered now, as by a move
        if stage.position < order.stage.position:
            undone = {"outcome": None, "refund_cents": 0}
            for later, recorded in STAGE_FIELDS.items():
                if stage.position < later.position:
                    changes.update({k: v for k, v in recorded.items() if k not in said})
            if stage.position < Stage.FOLLOW_UP.position:
                changes.update({k: v for k, v in undone.items() if k not in said})
        elif (
            stage is Stage.FOLLOW_UP
            and order.stage.position < Stage.FOLLOW_UP.position
            and "follow_up_due" not in said
        ):
            # Into follow-up: the check-in with the buyer is due, as a move sets it.
            days = Settings().follow_up_days
            changes["follow_up_due"] = (now + timedelta(days=days)).date()
    outcome = changes.get("outcome", order.outcome)
    if "refund_cents" not in said and ({"outcome", "amount_cents"} & set(changes)):
        if outcome is not None and outcome.cancelled:
            changes["refund_cents"] = changes.get("amount_cents", order.amount_cents)
        elif outcome is not Outcome.PARTIAL_REFUND:
            changes["refund_cents"] = 0
    merged = check_consistent(replace(order, **changes), fill=True)
    changed = [
        name
        for name in order.to_dict()
        if name not in ("order", "entries", "history", "revision")
        and getattr(merged, name) != getattr(order, name)
    ]
    moved = "stage" in changed
    # The stage and a new outcome are said the way a move says them; a cleared outcome,
    # and the other fields, as an edit names them.
    named = [
        name
        for name in changed
        if name != "stage"
        and not (name == "outcome" and merged.outcome is not None)
        and not (name == "entered_stage_at" and moved)
    ]
    detail = f"from {source}"
    if named:
        detail += ": " + ", ".join(said_edit(order, name, getattr(merged, name)) for name in named)
    event = Event(
        at=now,
        action="imported",
        from_stage=order.stage if moved else None,
        to_stage=merged.stage if moved else None,
        outcome=merged.outcome if "outcome" in changed else None,
        detail=detail,
    )
    return replace(merged, history=order.history + (event,), revision=order.revision + 1)


def add_entry(
    order: Order,
    kind: EntryKind,
    text: str,
    now: datetime,
    *,
    direction: Direction | None = None,
    tags: Iterable[str] | str | None = None,
) -> tuple[Order, Entry]:
    """The order with one more entry; entries never conflict, so the revision stays."""
    entry = make_entry(kind, text, now, direction=direction, tags=tags)
    event = Event(at=now, action=kind.value, detail=_entry_summary(entry))
    return (
        replace(order, entries=order.entries + (entry,), history=order.history + (event,)),
        entry,
    )


def make_entry(
    kind: EntryKind,
    text: str,
    now: datetime,
    *,
    direction: Direction | None = None,
    tags: Iterable[str] | str | None = None,
) -> Entry:
    """A validated entry."""
    if kind is EntryKind.MESSAGE and direction is None:
        direction = Direction.FROM_BUYER
    if kind is not EntryKind.MESSAGE:
        direction = None
    return Entry(
        id=new_id(),
        kind=kind,
        text=parse_entry_text(text),
        at=now,
        direction=direction,
        tags=parse_tags(tags) if kind is EntryKind.LESSON else (),
    )


def _entry_summary(entry: Entry) -> str:
    first = entry.text.split("\n", 1)[0]
    prefix = f"{entry.direction.label}: " if entry.direction else ""
    return prefix + (first[:60] + "…" if len(first) > 60 else first)


# --------------------------------------------------------------------------- moves


@dataclass(frozen=True)
class Move:
    """What a stage change asks for; the UI's modals and the CLI's flags fill it."""

    to: Stage
    """Where the order goes."""
    outcome: Outcome | None = None
    """The outcome, where the transition records one."""
    reason: str | None = None
    """Reason id, entering 'Cancellation requested'."""
    reason_text: str | None = None
    """Free text about the reason."""
    initiator: Initiator | None = None
    """Who asked, entering 'Cancellation requested'."""
    ticket: str | None = None
    """CS ticket reference, entering 'Fiverr review'."""
    refund: str | None = None
    """Refund amount as typed, for a partial refund."""


@dataclass(frozen=True)
class Rule:
    """What one forward transition requires and allows."""

    outcomes: frozenset[Outcome] = frozenset()
    """Outcomes allowed; empty means the move records none."""
    outcome_required: bool = False
    """Whether an outcome must be given."""
    needs_reason: bool = False
    """Whether reason and initiator are recorded (with defaults)."""


_ANY_OUTCOME = frozenset(Outcome)

FORWARD: dict[tuple[Stage, Stage], Rule] = {
    (Stage.TALK, Stage.REQUESTED): Rule(needs_reason=True),
    # Saved before any request: the order goes on, or ends with a partial refund.
    (Stage.TALK, Stage.FOLLOW_UP): Rule(
        frozenset({Outcome.SAVED, Outcome.PARTIAL_REFUND, Outcome.CANCELLED_BY_BUYER}),
        outcome_required=True,
    ),
    (Stage.REQUESTED, Stage.FOLLOW_UP): Rule(
        frozenset({Outcome.CANCELLED_MUTUAL, Outcome.CANCELLED_NO_RESPONSE}),
        outcome_required=True,
    ),
    (Stage.REQUESTED, Stage.REVIEW): Rule(),
    (Stage.REVIEW, Stage.FOLLOW_UP): Rule(
        frozenset({Outcome.CANCELLED_BY_CS, Outcome.CS_RULED_FOR_SELLER}),
        outcome_required=True,
    ),
    (Stage.FOLLOW_UP, Stage.LESSONS): Rule(),
}
"""Forward moves and what they need. Moving left is always allowed (declined or
withdrawn requests go back to talking; mistakes get undone); any stage may be closed with
any outcome; a closed order may be reopened into any stage."""

STAGE_FIELDS: dict[Stage, dict[str, Any]] = {
    Stage.REQUESTED: {"reason": "", "reason_text": "", "initiator": None, "requested_at": None},
    Stage.REVIEW: {"escalated_at": None, "ticket": "", "next_check": None},
    Stage.FOLLOW_UP: {"follow_up_due": None},
}
"""What an order records for each stage (the request, the escalation, the follow-up),
with the value it has without it: a move back before that stage clears it (its history
keeps what happened), so the card, ``show`` and exports tell no stale request."""

CLOSE_RULE = Rule(_ANY_OUTCOME, outcome_required=True)
BACK_RULE = Rule(frozenset({Outcome.WITHDRAWN}))


def rule_for(source: Stage, target: Stage) -> Rule:
    """The rule of a transition, or a :class:`ValidationError` naming why it is refused."""
    if source is target:
        raise ValidationError("stage", f"the order is already in {target.value}")
    if target is Stage.CLOSED:
        return CLOSE_RULE
    if source is Stage.CLOSED:
        return Rule()
    if target.position < source.position:
        return BACK_RULE
    try:
        return FORWARD[(source, target)]
    except KeyError:
        allowed = [t.value for (s, t) in FORWARD if s is source] + ["closed"]
        back = ", or back" if source is not Stage.TALK else ""
        raise ValidationError(
            "stage",
            f"cannot move from {source.value} to {target.value}"
            f" (from {source.value}: {', '.join(allowed)}{back})",
        ) from None


def next_stage(stage: Stage) -> Stage | None:
    """The column to the right (``>``), or None at the end."""
    if stage is Stage.CLOSED:
        return None
    return STAGE_ORDER[stage.position + 1]


def previous_stage(order: Order) -> Stage | None:
    """Where ``<`` takes an order: the column to the left, or out of the archive."""
    if order.stage is Stage.CLOSED:
        for event in reversed(order.history):
            if event.to_stage is Stage.CLOSED and event.from_stage:
                return event.from_stage
        return Stage.LESSONS
    if order.stage is Stage.TALK:
        return None
    if order.stage is Stage.FOLLOW_UP:
        # Back where it came from: a case never escalated did not pass through review.
        if order.escalated_at is not None:
            return Stage.REVIEW
        return Stage.REQUESTED if order.requested_at is not None else Stage.TALK
    return STAGE_ORDER[order.stage.position - 1]


def move_order(
    order: Order,
    move: Move,
    now: datetime,
    reasons: Iterable[str] = (),
    settings: Settings | None = None,
) -> Order:
    """Apply a stage change by the transition table; refuses what the table does not allow."""
    source, target = order.stage, move.to
    rule = rule_for(source, target)
    outcome = move.outcome
    if outcome is not None and outcome not in rule.outcomes:
        fits = ", ".join(o.value for o in sorted(rule.outcomes, key=list(Outcome).index))
        raise ValidationError(
            "outcome",
            f"{outcome.value} does not fit a move from {source.value} to {target.value}"
            + (f" (use one of: {fits})" if fits else " (this move records no outcome)"),
        )
    if outcome is None and rule.outcome_required:
        fits = ", ".join(o.value for o in sorted(rule.outcomes, key=list(Outcome).index))
        raise ValidationError(
            "outcome", f"required to move from {source.value} to {target.value}: one of {fits}"
        )
    changes: dict[str, Any] = {"stage": target, "entered_stage_at": now}
    details: list[str] = []
    if target.position < source.position:
        # Back before a stage (or reopened there): what the order recorded for it is over.
        # A card back in talk kept its old reason, who asked and its follow-up date, and
        # '<' from a later follow-up then went to a request long withdrawn.
        for stage, cleared in STAGE_FIELDS.items():
            if target.position < stage.position:
                changes.update(cleared)
        if "reason_text" in changes and order.reason_text:
            # The only part of the request its history does not hold already.
            details.append(f"the request said: {clean_line(order.reason_text)}")
    # Reopened into 'requested' (or 'review'), an order keeps the request (or escalation)
    # it had; one it never had starts now, as the move there from the stage before does.
    reopened = source is Stage.CLOSED
    requesting = rule.needs_reason or (reopened and target is Stage.REQUESTED)
    escalating = target is Stage.REVIEW and (source is Stage.REQUESTED or reopened)
    given = (
        ("reason", move.reason),
        ("initiator", move.initiator),
        ("reason_text", move.reason_text),
    )
    for name, value in given:
        if value is not None and not requesting:
            raise ValidationError(name, f"only for a move to requested, not to {target.value}")
    if move.ticket and not escalating:
        raise ValidationError("ticket", f"only for a move to review, not to {target.value}")
    if requesting:
        known = list(reasons) or [r for r, _ in DEFAULT_REASONS]
        reason = clean_line(move.reason or "")
        if reason and reason not in known:
            raise ValidationError(
                "reason", f"unknown reason {reason!r} (one of {', '.join(known)})"
            )
        # A plain reopen (the '<' from the archive) keeps the request it had; a reason or
        # who asked, given, is a new request, and its 48 h start now.
        fresh = move.reason is not None or move.initiator is not None
        kept = reopened and order.requested_at is not None and not fresh
        if not reason and kept:
            reason = order.reason  # as it was (none, from an import: none still)
        elif not reason:
            # None given: "other". A list the seller took "other" out of has no default:
            # its first reason ("Ordered by mistake" by default, which Fiverr may clear
            # from the seller's stats) was recorded without anyone choosing it.
            if DEFAULT_REASON not in known:
                raise ValidationError(
                    "reason", f"required: the list has no 'other' (one of {', '.join(known)})"
                )
            reason = DEFAULT_REASON
        changes["reason"] = reason
        changes["initiator"] = move.initiator or (
            order.initiator if kept and order.initiator else Initiator.ME
        )
        changes["requested_at"] = order.requested_at if kept else now
        if move.reason_text is not None:
            changes["reason_text"] = parse_optional("reason_text", move.reason_text, 2000)
        details.append(f"reason: {changes['reason']}, asked by {changes['initiator'].value}")
    if escalating:
        changes["escalated_at"] = (order.escalated_at if reopened else None) or now
        if move.ticket:
            changes["ticket"] = parse_optional("ticket", move.ticket, 80)
            details.append(f"ticket {changes['ticket']}")
    if outcome is not None:
        changes["outcome"] = outcome
    elif target.position < Stage.FOLLOW_UP.position:
        # Going back (or reopening) before a resolution undoes the resolution it had.
        changes["outcome"] = None
        changes["refund_cents"] = 0
    if target is Stage.FOLLOW_UP and source.position < Stage.FOLLOW_UP.position:
        days = (settings or Settings()).follow_up_days
        changes["follow_up_due"] = (now + timedelta(days=days)).date()
    if move.refund and outcome is not Outcome.PARTIAL_REFUND:
        raise ValidationError("refund", "only with the partial-refund outcome")
    if outcome is Outcome.PARTIAL_REFUND:
        refund = parse_amount(move.refund, "refund")
        if not refund and clean_line(move.refund or ""):
            raise ValidationError("refund", "a partial refund must be more than zero")
        if not refund:
            raise ValidationError("refund", "required for a partial refund (e.g. 10.00)")
        if not order.amount_cents:
            # Part of nothing: any refund was taken (250.00 of an order added without its
            # amount), and the stats then counted it refunded of 0.00.
            raise ValidationError(
                "refund", "the order's amount is not recorded: e (edit) sets it first"
            )
        check_partial_refund(refund, order.amount_cents, order.currency)
        changes["refund_cents"] = refund
        details.append(f"refund {format_amount(refund)} {order.currency}")
    elif outcome is not None and outcome.cancelled:
        changes["refund_cents"] = order.amount_cents
    elif outcome is not None:
        changes["refund_cents"] = 0
    action = "moved"
    if target is Stage.CLOSED:
        action = "closed"
    elif source is Stage.CLOSED:
        action = "reopened"
    event = Event(
        at=now,
        action=action,
        from_stage=source,
        to_stage=target,
        outcome=outcome,
        detail="; ".join(details),
    )
    return replace(order, **changes, history=order.history + (event,), revision=order.revision + 1)


# --------------------------------------------------------------------------- time on cards


def days_in_stage(order: Order, now: datetime) -> int:
    """Whole days since the order entered its stage."""
    return max(0, (now - order.entered_stage_at) // timedelta(days=1))


def format_age(order: Order, now: datetime) -> str:
    """Time in stage, short: ``5m``, ``3h``, ``2d``."""
    seconds = max(0, int((now - order.entered_stage_at).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def format_countdown(remaining: timedelta) -> str:
    """``31h left`` (whole hours, rounded down), ``45m left`` under an hour, then zero."""
    seconds = int(remaining.total_seconds())
    if seconds <= 0:
        return "auto-cancels now"
    if seconds < 3600:
        return f"{seconds // 60}m left"
    return f"{seconds // 3600}h left"


@dataclass(frozen=True)
class Settings:
    """The lengths of the windows Fiverr gives; settings, not literals in code."""

    answer_window: timedelta = timedelta(hours=48)
    """How long the other party has to answer a cancellation request."""
    warn_under: timedelta = timedelta(hours=12)
    """Below this much time left, the countdown turns to a warning."""
    very_late_after: timedelta = timedelta(hours=24)
    """How long past due an order is 'very late' (the buyer may cancel alone)."""
    follow_up_days: int = 2
    """Default days from the resolution to the follow-up check."""
    default_currency: str = "USD"
    """Currency used when none is typed."""


@dataclass(frozen=True)
class Timer:
    """The timed line of a card: text and how urgent it is."""

    text: str
    """E.g. ``31h left`` or ``very late``."""
    level: str = ""
    """``""`` (calm), ``"warning"`` or ``"error"``."""


def answer_time_left(order: Order, now: datetime, settings: Settings = Settings()) -> timedelta:
    """How long the other party still has to answer the order's cancellation request
    (zero or less once the window has closed, or with no request time)."""
    if order.requested_at is None:
        return timedelta(0)
    return order.requested_at + settings.answer_window - now


def short_date(day: date, today: date) -> str:
    """``day`` as a card shows it: ``MM-DD`` in ``today``'s year, ``YYYY-MM-DD`` in any
    other (a due date next January must not read as this one's)."""
    return day.isoformat()[5:] if day.year == today.year else day.isoformat()


def card_timer(
    order: Order, now: datetime, settings: Settings = Settings(), *, lessons: int | None = None
) -> Timer | None:
    """The countdown or due-date line a card shows in its column. ``lessons``: how many
    lessons the order has, for an order read without its entries (a listing)."""
    today = now.date()
    if order.stage is Stage.REQUESTED and order.requested_at:
        remaining = answer_time_left(order, now, settings)
        if remaining <= timedelta(0):
            return Timer("auto-cancels now", "error")
        # Under the warning threshold the countdown turns red (DESIGN: "red under 12 h").
        return Timer(
            format_countdown(remaining), "error" if remaining < settings.warn_under else ""
        )
    if order.stage is Stage.TALK and order.due:
        due_end = datetime.combine(order.due, datetime.max.time(), tzinfo=UTC)
        if now - settings.very_late_after > due_end:  # (a due date in year 9999 cannot overflow)
            return Timer("very late", "error")
        if now > due_end:
            return Timer("late", "warning")
        return Timer(f"due {short_date(order.due, today)}")
    if order.stage is Stage.REVIEW and order.escalated_at:
        days = (now - order.escalated_at) // timedelta(days=1)
        text = f"CS {days}d"
        if order.next_check:
            text += f" · chk {short_date(order.next_check, today)}"
            if today >= order.next_check:
                return Timer(text, "warning")
        return Timer(text)
    if order.stage is Stage.FOLLOW_UP and order.follow_up_due:
        if today > order.follow_up_due:
            return Timer(f"overdue {short_date(order.follow_up_due, today)}", "error")
        return Timer(f"f/up {short_date(order.follow_up_due, today)}")
    if order.stage is Stage.LESSONS:
        count = order.count_of(EntryKind.LESSON) if lessons is None else lessons
        return Timer(f"{count} lesson{'s' if count != 1 else ''}", "" if count else "warning")
    if order.stage is Stage.CLOSED and order.outcome:
        return Timer(order.outcome.value)
    return None


@dataclass(frozen=True)
class Lesson:
    """A lesson in the library: from an order, or general."""

    entry: Entry
    """The lesson itself."""
    order: str | None = None
    """The order it came from, if any."""
    outcome: Outcome | None = None
    """That order's outcome."""


def all_lessons(orders: Iterable[Order], general: Iterable[Entry]) -> list[Lesson]:
    """Every lesson, newest first."""
    lessons = [Lesson(e) for e in general]
    for order in orders:
        lessons += [
            Lesson(e, order.number, order.outcome) for e in order.entries_of(EntryKind.LESSON)
        ]
    return newest_first(lessons)


def newest_first(lessons: list[Lesson]) -> list[Lesson]:
    """``lessons`` (general ones, then each order's, oldest first) newest first, and so
    within a second too: times are kept to the second, and a stable sort left an order's
    lessons written in one second oldest first among the newest."""
    place = {id(lesson): n for n, lesson in enumerate(lessons)}
    return sorted(lessons, key=lambda lesson: (lesson.entry.at, place[id(lesson)]), reverse=True)


def template_fields(order: Order) -> dict[str, str]:
    """Placeholders a message template can use."""
    return {
        "buyer": order.buyer,
        "order": order.number,
        "gig": order.gig or "your order",
        "due": order.due.isoformat() if order.due else "the due date",
        "amount": f"{order.amount} {order.currency}",
    }


@dataclass(frozen=True)
class Template:
    """A canned buyer message; ``{buyer}``, ``{order}``, ``{gig}``, ``{due}`` get filled in."""

    id: str
    """Stable id (defaults have readable ones)."""
    title: str
    """What it is for, in the picker."""
    text: str
    """The message, with placeholders."""
    stages: tuple[Stage, ...] = ()
    """Stages where it is offered first."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "stages": [s.value for s in self.stages],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Template:
        return cls(
            id=clean_line(str(data["id"])),
            title=clean_line(str(data.get("title", ""))),
            text=clean_text(str(data.get("text", ""))),
            stages=tuple(Stage(s) for s in data.get("stages", ()) if s in Stage._value2member_map_),
        )


DEFAULT_TEMPLATES: tuple[Template, ...] = (
    Template(
        "ask-reason",
        "Ask the reason",
        "Hi {buyer}, thanks for letting me know. Could you tell me what isn't working for you"
        " on order {order}? I'd like to understand and try to make it right.",
        (Stage.TALK,),
    ),
    Template(
        "extension",
        "Propose an extension",
        "Hi {buyer}, I need a little more time to deliver {gig} at the quality you expect."
        " I'm sending a request to extend the delivery date past {due}; please accept it if"
        " that works for you.",
        (Stage.TALK,),
    ),
    Template(
        "partial-refund",
        "Propose a partial refund",
        "Hi {buyer}, if it helps, I can offer a partial refund on order {order} and deliver"
        " what we agreed so far. Would that work for you?",
        (Stage.TALK,),
    ),
    Template(
        "confirm-cancel",
        "Confirm the cancellation",
        "Hi {buyer}, as we discussed, I've sent a cancellation request for order {order} in"
        " the Resolution Center. Please accept it there; the refund goes to your Fiverr balance.",
        (Stage.REQUESTED,),
    ),
    Template(
        "follow-up",
        "Follow-up check-in",
        "Hi {buyer}, just checking in after the resolution of order {order}. Is everything"
        " alright on your side?",
        (Stage.FOLLOW_UP,),
    ),
    Template(
        "thanks",
        "Thank and invite back",
        "Thank you for your understanding, {buyer}. I'd be glad to work with you again on a"
        " future order.",
        (Stage.FOLLOW_UP, Stage.LESSONS),
    ),
)


PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
"""A placeholder: a name in braces."""


def fill_template(text: str, order: Order) -> str:
    """The template's text with the order's values; anything else stays as typed.

    Each ``{name}`` is filled on its own: a stray brace (a smiley ``:{``) or an unknown
    name left every placeholder of the template unfilled, with no hint why."""
    fields = template_fields(order)
    return PLACEHOLDER_RE.sub(lambda found: fields.get(found[1], found[0]), text)


def resolutions(stage: Stage) -> list[tuple[Stage, Outcome]]:
    """Outcomes that can be recorded from ``stage`` without closing (``o`` on a card)."""
    return [
        (target, outcome)
        for (source, target), rule in FORWARD.items()
        if source is stage
        for outcome in sorted(rule.outcomes, key=list(Outcome).index)
    ]


def timeline(order: Order) -> list[tuple[Event, str]]:
    """An order's history events, oldest first, each with what the timeline says of it:
    :meth:`Event.describe`, but a message whole, on as many lines as it has.

    A message's event keeps its first line's first 60 characters, so each event does not
    store the message twice; the timeline for a CS ticket needs the buyer's words whole.
    The event is tied to its message by kind, time (to the second, as stored) and that
    first part, which events written before this (with no entry id) have too. A message
    gone (its adding undone) leaves the event as stored. Notes, private, stay cut."""
    waiting: dict[tuple[datetime, str], list[Entry]] = {}
    for entry in order.entries_of(EntryKind.MESSAGE):
        key = (entry.at.replace(microsecond=0), clean_line(_entry_summary(entry)))
        waiting.setdefault(key, []).append(entry)
    lines = []
    for event in order.history:
        said = event.describe()
        if event.action == EntryKind.MESSAGE.value and waiting:
            found = waiting.get((event.at.replace(microsecond=0), clean_line(event.detail)))
            if found:
                entry = found.pop(0)
                label = f"{entry.direction.label}: " if entry.direction else ""
                said = replace(event, detail=label + entry.text).describe()
        lines.append((event, said))
    return lines


def history_text(order: Order) -> str:
    """An order's timeline as plain text, oldest first, in local time (for CS tickets);
    a message's lines after its first are indented under it."""
    lines = [f"Order {order.number} · buyer {order.buyer} · {order.amount} {order.currency}"]
    for event, said in timeline(order):
        stamp = event.at.astimezone().strftime("%Y-%m-%d %H:%M")
        first, *rest = said.split("\n")
        lines.append(f"{stamp}  {first}")
        lines += [f"{'':{len(stamp)}}  {line}" if line else "" for line in rest]
    return "\n".join(lines)
