"""``list --json`` worked out from the board file's bytes, without the domain.

:func:`tui.quicklist.run` calls :func:`list_json` when it has no answer cached for the
board's bytes. Each open order's document is checked to be exactly what the domain writes
(clean text, UTC times to the second, known stages and outcomes, whole cents): then its JSON
is the document itself, minus what ``list`` leaves out. Anything else (another schema, a
hand-edited field, text to clean) gives None, and the full command runs with all its checks
and error messages.

``tests/unit/test_quicklist.py`` holds this and the full command to the same bytes, on
varied boards and on every kind of damaged document.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from json.encoder import encode_basestring

from tui.fileformat import APP, CLOSED, META, ORDERS, SCHEMA, TO_ARCHIVE
from tui.quicklist import OPEN_STAGE_VALUES
from tui.text import all_clean_lines, clean_text, format_amount

TYPE_CHECKING = False  # not typing's: importing typing costs more than this module's work
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, NoReturn

# The domain's values (``tui.domain`` is what this module does without; a test holds these
# to its enums; the open stages are ``tui.quicklist.OPEN_STAGE_VALUES``).
OUTCOME_VALUES = frozenset(
    {
        "saved",
        "partial-refund",
        "cancelled-mutual",
        "cancelled-no-response",
        "cancelled-by-buyer",
        "cancelled-by-cs",
        "cs-ruled-for-seller",
        "withdrawn",
    }
)
INITIATOR_VALUES = frozenset({"me", "buyer"})
ENTRY_KINDS = ("note", "message", "lesson")
"""Entry kinds, and the names ``list`` counts them under (plural)."""

ORDER_KEYS = (
    "order",
    "buyer",
    "gig",
    "amount_cents",
    "currency",
    "order_date",
    "due",
    "stage",
    "created_at",
    "entered_stage_at",
    "reason",
    "reason_text",
    "initiator",
    "requested_at",
    "escalated_at",
    "ticket",
    "next_check",
    "follow_up_due",
    "outcome",
    "refund_cents",
    "tags",
    "entries",
    "history",
    "revision",
)
"""A stored order's fields, in the order the domain writes them."""
LEFT_OUT = frozenset({"amount_cents", "refund_cents", "entries", "history"})
LINES = ("order", "buyer", "gig", "currency", "reason", "ticket")
"""Fields of one line of text (and each tag): as :func:`tui.text.clean_line` leaves them."""
MOMENTS = ("created_at", "entered_stage_at")
MAYBE_MOMENTS = ("requested_at", "escalated_at")
DAYS = ("order_date", "due", "next_check", "follow_up_due")
WHOLE = ("amount_cents", "refund_cents", "revision")


class NotPlain(Exception):
    """The board is not one this module can vouch for: the full command runs."""


_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00")
"""A time as the domain writes it: UTC, to the second (ISO order: sorts as it reads)."""
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _stamp(value: Any, shape: re.Pattern[str], parse: Callable[[str], object]) -> None:
    """``value`` is written the way the domain writes it and names a real day or moment."""
    if type(value) is not str or shape.fullmatch(value) is None:
        raise NotPlain
    try:
        parse(value)
    except ValueError:
        raise NotPlain from None


def summary(doc: Any, lines: list[Any]) -> tuple[tuple[int, str], dict[str, Any]]:
    """An open order's sort key and its ``list --json`` object; NotPlain unless the
    document is exactly what the domain would write back. Its one-line texts are added to
    ``lines``, for the caller to check all at once (:func:`tui.text.all_clean_lines`)."""
    if type(doc) is not dict or tuple(doc) != ORDER_KEYS:
        raise NotPlain
    text = doc["reason_text"]
    if type(text) is not str or clean_text(text) != text:
        raise NotPlain
    for key in WHOLE:
        if type(doc[key]) is not int or not -(1 << 63) <= doc[key] < 1 << 63:
            raise NotPlain  # the domain refuses it (it could not be written back)
    for key in MOMENTS:
        _stamp(doc[key], _MOMENT, datetime.fromisoformat)
    for keys, shape, parse in (
        (MAYBE_MOMENTS, _MOMENT, datetime.fromisoformat),
        (DAYS, _DAY, date.fromisoformat),
    ):
        for key in keys:
            if doc[key] is not None:
                _stamp(doc[key], shape, parse)
    if doc["initiator"] is not None and doc["initiator"] not in INITIATOR_VALUES:
        raise NotPlain
    if doc["outcome"] is not None and doc["outcome"] not in OUTCOME_VALUES:
        raise NotPlain
    tags, entries = doc["tags"], doc["entries"]
    if type(tags) is not list or type(entries) is not list:
        raise NotPlain
    lines.extend(doc[key] for key in LINES)
    lines.extend(tags)
    found = {key: value for key, value in doc.items() if key not in LEFT_OUT}
    found["amount"] = format_amount(doc["amount_cents"])
    found["refund"] = format_amount(doc["refund_cents"])
    kinds = [entry.get("kind") for entry in entries if type(entry) is dict]
    for kind in ENTRY_KINDS:
        found[kind + "s"] = kinds.count(kind)
    return (OPEN_STAGE_VALUES.index(doc["stage"]), doc["entered_stage_at"]), found


def _refuse(value: str) -> NoReturn:
    raise NotPlain


def _whole(digits: str) -> int:
    value = int(digits)
    if not -(1 << 63) <= value < 1 << 64:
        raise NotPlain  # orjson (the store's parser) reads it as a float
    return value


def parse(raw: bytes) -> Any:
    """``raw`` parsed as the store parses it (``orjson.loads``), or NotPlain.

    Python's own parser, not orjson: importing orjson costs ~15 ms (it brings in
    dataclasses, inspect and uuid), more than the parse it saves on a 2.3 MB board. Where
    the two could differ, this declines (the full command then reads the file with
    orjson): bytes that are not strict UTF-8 (a BOM, UTF-16, encoded surrogates), any
    ``\\u`` escape (orjson refuses lone surrogates; the app never writes one), NaN and
    infinities, floats (the app writes none), integers orjson would read as floats,
    nesting too deep for either."""
    if b"\\" in raw and b"\\u" in raw:  # one memchr first: most boards have no escape
        raise NotPlain
    try:
        text = raw.decode("utf-8")
        return json.loads(text, parse_constant=_refuse, parse_float=_refuse, parse_int=_whole)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError too
        raise NotPlain from None


def board_data(raw: bytes) -> dict[str, Any]:
    """The board file's data, if ``raw`` is a whole board at this program's schema.

    Not ``tui.store.read_file``: that would load the store (TinyDB, locking, writing) for
    its error messages, which this path never shows (the full command does)."""
    data = parse(raw)
    if type(data) is not dict or TO_ARCHIVE in data:
        raise NotPlain
    for table in data.values():
        if type(table) is not dict:
            raise NotPlain
        for key, doc in table.items():
            if type(doc) is not dict or not (key.isdigit() and key.isascii()):
                raise NotPlain
    metas = list(data.get(META, {}).values())
    if len(metas) != 1 or metas[0] != {"app": APP, "schema": SCHEMA}:
        raise NotPlain
    if type(data.get(ORDERS)) is not dict:
        raise NotPlain
    return data


def list_json(raw: bytes, stage: str | None) -> bytes | None:
    """What ``cancelboard list --json [--stage stage]`` prints for a board file holding
    ``raw``, or None when this module cannot vouch for it (see the module's doc)."""
    return list_jsons(raw, [stage])[stage]


def list_jsons(raw: bytes, stages: Iterable[str | None]) -> dict[str | None, bytes | None]:
    """:func:`list_json` for each of ``stages`` (None: every open stage), the file parsed
    once."""
    stages = list(stages)
    try:
        data = board_data(raw)
    except NotPlain:
        return dict.fromkeys(stages)
    return {stage: _listed(data, stage) for stage in stages}


def _listed(data: dict[str, Any], stage: str | None) -> bytes | None:
    try:
        listed = []
        lines: list[Any] = []
        for doc in data[ORDERS].values():
            shown = doc.get("stage")
            if shown == CLOSED:
                continue
            if shown not in OPEN_STAGE_VALUES:
                raise NotPlain
            if stage is None or shown == stage:
                listed.append(summary(doc, lines))
    except NotPlain:
        return None
    if not all_clean_lines(lines):
        return None
    listed.sort(key=lambda pair: pair[0])
    try:
        return dump([order for _, order in listed])
    except NotPlain:
        return None


_HEADS: dict[str, str] = {}
"""Each field's indented, quoted name, as ``dump`` writes it."""


def dump(orders: list[dict[str, Any]]) -> bytes:
    """The orders as ``orjson.dumps(orders, option=OPT_INDENT_2)`` writes them, plus a
    newline: objects of strings, whole numbers, nulls and lists of strings (anything else
    is NotPlain). 1,000 orders: 7.6 ms (Python's ``json.dumps`` with an indent, in pure
    Python: 14.5 ms; orjson 0.5 ms, but importing it costs 15)."""
    if not orders:
        return b"[]\n"
    heads = _HEADS
    objects = []
    for order in orders:
        fields: list[str] = []
        add = fields.append
        for key, value in order.items():
            head = heads.get(key)
            if head is None:
                head = heads[key] = f"    {encode_basestring(key)}: "
            kind = type(value)
            if kind is str:
                add(head + encode_basestring(value))
            elif value is None:
                add(head + "null")
            elif kind is int:
                add(head + int.__repr__(value))
            elif kind is list and all(type(item) is str for item in value):
                items = ",\n      ".join(map(encode_basestring, value))
                add(head + (f"[\n      {items}\n    ]" if value else "[]"))
            else:
                raise NotPlain
        objects.append("  {\n" + ",\n".join(fields) + "\n  }" if fields else "  {}")
    return ("[\n" + ",\n".join(objects) + "\n]\n").encode("utf-8")
