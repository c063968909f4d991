"""Moving a board in and out: JSON (complete), CSV (for spreadsheets) and Markdown (to read).

No Textual and no TinyDB here: exports are built from domain objects, imports are parsed
and validated into domain objects, and :meth:`tui.board.Board.import_orders` writes them in
one store transaction. Every import is validated completely before anything is written;
an error is one line naming the row (or order) and the field.

Text from buyers is data in every format: CSV cells that a spreadsheet would run as a
formula are neutralised with a leading ``'`` (and the quote is taken off again on
import); Markdown escapes what would make structure (headings, lists, links, HTML).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tui import __version__
from tui.atomic import fsync_folder, write_temp
from tui.domain import (
    CURRENCY_RE,
    Direction,
    Entry,
    EntryKind,
    Event,
    Initiator,
    Order,
    Outcome,
    Stage,
    Template,
    ValidationError,
    check_consistent,
    from_iso,
    import_fields,
    parse_amount,
    parse_currency,
    parse_date,
    parse_entry_text,
    parse_optional,
    parse_order_number,
    parse_required,
    parse_tags,
    timeline,
    to_iso,
)
from tui.text import clean_line, clean_text, format_amount

if TYPE_CHECKING:
    from tui.board import Board

FORMAT = "cancelboard-export"
"""The ``format`` key of a JSON export."""
VERSION = 1
"""The JSON export layout this program writes; newer files are refused."""
FORMATS = ("json", "csv", "md")
"""Export formats, for ``--format``."""
MAX_IMPORT_BYTES = 200 * 1024 * 1024
"""Larger files are refused rather than read into memory."""

CSV_COLUMNS: tuple[str, ...] = (
    "order",
    "buyer",
    "gig",
    "amount",
    "currency",
    "order_date",
    "due",
    "stage",
    "outcome",
    "refund",
    "reason",
    "reason_text",
    "initiator",
    "requested_at",
    "escalated_at",
    "ticket",
    "next_check",
    "follow_up_due",
    "tags",
    "created_at",
    "entered_stage_at",
)
"""The CSV export's columns, in order; an import takes any of them (``order`` and
``buyer`` are required) and refuses others."""

_FORMULA_START = frozenset("=+-@\t\r\n")
"""First characters that make a spreadsheet read a cell as a formula."""


class ExchangeError(ValueError):
    """An export or import that cannot be done; the message is one line."""


@dataclass(frozen=True)
class ImportData:
    """A parsed, fully validated import file."""

    format: str
    """``json`` or ``csv``."""
    orders: tuple[Order, ...]
    """The orders, in file order (order numbers are unique)."""
    lessons: tuple[Entry, ...] = ()
    """General lessons (JSON only)."""
    reasons: tuple[tuple[str, str], ...] = ()
    """The exporting board's cancellation reasons (JSON only)."""
    templates: tuple[Template, ...] = ()
    """The exporting board's buyer message templates (JSON only)."""
    given: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """CSV: per order number, the fields its row gives (named as :meth:`Order.to_dict`
    names them: the sheet's columns, but a time left empty). An order already on the
    board takes only those (:meth:`onto`): it keeps its stage, outcome, notes, messages,
    lessons and history when the sheet has no column for them, and importing the same
    sheet again a second later finds it identical, not changed. JSON: empty (whole
    orders)."""
    rows: Mapping[str, str] = field(default_factory=dict)
    """CSV: per order number, where its row is (``row 3 (FO1)``), for errors."""
    at: datetime | None = None
    """The import's clock (CSV: the time of the history line an import writes)."""

    def onto(self, current: Order | None, order: Order) -> Order:
        """The order an import writes for ``order`` (one of :attr:`orders`) where the
        board has ``current`` (or None): a JSON export's whole; a CSV row checked as a new
        order, or ``current`` with the row's columns (:func:`tui.domain.import_fields`).

        Raises :class:`ExchangeError` naming the row and field when the result is not an
        order the moves could have made (checked against the board, since a row with some
        columns only is complete only with the board's order)."""
        if order.number not in self.given:
            return order
        try:
            if current is None:
                return check_consistent(order, fill=True)
            return import_fields(current, order, self.given[order.number], self.at or _EPOCH)
        except ValidationError as error:
            where = self.rows.get(order.number, f"order {order.number}")
            raise ExchangeError(f"{where}, {error.field}: {error.message}") from None


@dataclass(frozen=True)
class ImportReport:
    """What an import did (order numbers in file order)."""

    added: tuple[str, ...] = ()
    """Orders that were not on the board."""
    replaced: tuple[str, ...] = ()
    """Orders overwritten (``replace``)."""
    skipped: tuple[str, ...] = ()
    """Orders already on the board, left as they were (no ``replace``)."""
    unchanged: tuple[str, ...] = ()
    """Orders already on the board exactly as in the file (nothing to replace)."""
    lessons_added: int = 0
    """General lessons added."""
    lessons_skipped: int = 0
    """General lessons already on the board."""
    reasons_added: tuple[str, ...] = ()
    """Reason ids added to the board's list (used by imported orders)."""
    reasons_relabelled: tuple[str, ...] = ()
    """Reason ids whose label the file's replaced."""
    templates_added: int = 0
    """Message templates added."""
    templates_replaced: int = 0
    """Message templates whose title or text the file's replaced (same id)."""
    backup: str | None = None
    """The backup made before replacing orders, if any."""

    @property
    def changed(self) -> bool:
        """Whether anything was written."""
        return bool(
            self.added
            or self.replaced
            or self.lessons_added
            or self.reasons_added
            or self.reasons_relabelled
            or self.templates_added
            or self.templates_replaced
        )

    def lines(self) -> list[str]:
        """The report for people, a few lines."""
        written = len(self.added) + len(self.replaced)
        head = f"imported {written} order{'s' if written != 1 else ''}"
        if written:
            parts = [f"{len(self.added)} added"]
            if self.replaced:
                parts.append(f"{len(self.replaced)} replaced")
            head += f" ({', '.join(parts)})"
        out = [head]
        if self.unchanged:
            out.append(f"{len(self.unchanged)} already on the board, identical: left as they are")
        if self.skipped:
            out.append(
                f"skipped {len(self.skipped)} already on the board with other data"
                f" (--replace overwrites them): {_list(self.skipped)}"
            )
        if self.lessons_added or self.lessons_skipped:
            out.append(
                f"general lessons: {self.lessons_added} added,"
                f" {self.lessons_skipped} already on the board"
            )
        if self.reasons_added:
            out.append(f"reasons added to the list: {', '.join(self.reasons_added)}")
        if self.reasons_relabelled:
            out.append(f"reasons relabelled as in the file: {', '.join(self.reasons_relabelled)}")
        if self.templates_added or self.templates_replaced:
            out.append(
                f"message templates: {self.templates_added} added,"
                f" {self.templates_replaced} replaced by the file's"
            )
        if self.backup:
            out.append(f"the board as it was before: {self.backup}")
        return out


def _list(numbers: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


# ============================================================================= export


def export_json(
    orders: Iterable[Order],
    lessons: Iterable[Entry] = (),
    reasons: Iterable[tuple[str, str]] = (),
    now: datetime | None = None,
    templates: Iterable[Template] = (),
) -> str:
    """The complete board: every order with every field, entry and history event, the
    general lessons, the reason list and the message templates, versioned."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "app": f"cancelboard {__version__}",
    }
    if now is not None:
        doc["exported_at"] = to_iso(now)
    doc["reasons"] = [{"id": rid, "label": label} for rid, label in reasons]
    doc["orders"] = [o.to_dict() for o in orders]
    doc["lessons"] = [e.to_dict() for e in lessons]
    doc["templates"] = [t.to_dict() for t in templates]
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def csv_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: formula starts get a leading ``'``.

    Values that already start with quotes before such a character get one more, so
    :func:`csv_unsafe` gives back exactly the original.
    """
    if value.lstrip("'")[:1] in _FORMULA_START:
        return "'" + value
    return value


def csv_unsafe(cell: str) -> str:
    """The inverse of :func:`csv_safe`."""
    if cell.startswith("'") and cell[1:].lstrip("'")[:1] in _FORMULA_START:
        return cell[1:]
    return cell


def csv_row(order: Order) -> dict[str, str]:
    """One order's CSV cells (before formula neutralising)."""

    def d(value: date | None) -> str:
        return value.isoformat() if value else ""

    def dt(value: datetime | None) -> str:
        return to_iso(value) if value else ""

    return {
        "order": order.number,
        "buyer": order.buyer,
        "gig": order.gig,
        "amount": order.amount,
        "currency": order.currency,
        "order_date": d(order.order_date),
        "due": d(order.due),
        "stage": order.stage.value,
        "outcome": order.outcome.value if order.outcome else "",
        "refund": format_amount(order.refund_cents),
        "reason": order.reason,
        "reason_text": order.reason_text,
        "initiator": order.initiator.value if order.initiator else "",
        "requested_at": dt(order.requested_at),
        "escalated_at": dt(order.escalated_at),
        "ticket": order.ticket,
        "next_check": d(order.next_check),
        "follow_up_due": d(order.follow_up_due),
        "tags": " ".join(order.tags),
        "created_at": dt(order.created_at),
        "entered_stage_at": dt(order.entered_stage_at),
    }


def export_csv(orders: Iterable[Order]) -> str:
    """One row per order with the main fields (amounts as decimal strings)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for order in orders:
        row = csv_row(order)
        writer.writerow([csv_safe(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


# ----------------------------------------------------------------------------- Markdown

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&#])")
_MD_LINE_START = re.compile(r"^([>+\-=])|^(\d{1,9})([.)])")


def md_inline(text: str) -> str:
    """One line of user text, safe inside a Markdown paragraph, list item or heading."""
    return _MD_INLINE.sub(r"\\\1", clean_line(text))


def md_lines(text: str) -> list[str]:
    """User text (many lines), each line escaped so none can start a block of its own."""
    lines = []
    for raw in clean_text(text).replace("\t", "    ").split("\n"):
        line = _MD_INLINE.sub(r"\\\1", raw.rstrip())
        body = line.lstrip(" ")
        # Leading spaces would make a code block: keep the indent, as no-break spaces.
        indent = "\u00a0" * (len(line) - len(body))
        body = _MD_LINE_START.sub(lambda m: "\\" + m[1] if m[1] else m[2] + "\\" + m[3], body)
        lines.append(indent + body)
    return lines


def _md_item(head: str, text: str) -> list[str]:
    """A list item: ``head`` then the text on the next lines, line breaks kept (a hard
    break, two trailing spaces, before each line that follows another)."""
    body = md_lines(text)
    out = [f"- {head}" + ("  " if body and body[0] else "")]
    for i, line in enumerate(body):
        if not line:
            out.append("")
            continue
        follows = i + 1 < len(body) and bool(body[i + 1])
        out.append(f"  {line}" + ("  " if follows else ""))
    return out


def _md_time(moment: datetime) -> str:
    return to_iso(moment)[:16].replace("T", " ") + " UTC"


def export_markdown(
    orders: Iterable[Order],
    lessons: Iterable[Entry] = (),
    reasons: Iterable[tuple[str, str]] = (),
    now: datetime | None = None,
) -> str:
    """A readable report: one section per order with its notes, messages, lessons and
    timeline, then the general lessons."""
    orders = sorted(orders, key=lambda o: (o.stage.position, o.created_at, o.number))
    lessons = list(lessons)
    labels = dict(reasons)
    open_count = sum(1 for o in orders if o.is_open)
    out = ["# Cancelboard report", ""]
    summary = (
        f"{len(orders)} order(s): {open_count} open, {len(orders) - open_count} archived;"
        f" {len(lessons)} general lesson(s)."
    )
    if now is not None:
        summary = f"Exported {_md_time(now)}. " + summary
    out += [summary, ""]
    for order in orders:
        out += _md_order(order, labels)
    if lessons:
        out += ["## General lessons", ""]
        for entry in sorted(lessons, key=lambda e: e.at):
            out += _md_entry(entry)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _md_entry(entry: Entry) -> list[str]:
    head = _md_time(entry.at)
    if entry.direction is not None:
        head += f" · {entry.direction.label}"
    if entry.tags:
        head += " · " + " ".join(md_inline("#" + t) for t in entry.tags)
    return _md_item(head, entry.text)


def _md_order(order: Order, labels: Mapping[str, str]) -> list[str]:
    out = [f"## {md_inline(order.number)} · {md_inline(order.buyer)}", ""]
    fields: list[tuple[str, str]] = [("Stage", order.stage.label)]
    if order.outcome:
        fields.append(("Outcome", order.outcome.label))
    if order.gig:
        fields.append(("Gig", md_inline(order.gig)))
    amount = f"{order.amount} {order.currency}"
    if order.refund_cents:
        amount += f", refunded {format_amount(order.refund_cents)}"
    fields.append(("Amount", md_inline(amount)))
    if order.order_date:
        fields.append(("Ordered", order.order_date.isoformat()))
    if order.due:
        fields.append(("Due", order.due.isoformat()))
    if order.reason:
        reason = md_inline(labels.get(order.reason, order.reason))
        if order.initiator:
            reason += f", asked by {order.initiator.value}"
        if order.requested_at:
            reason += f", {_md_time(order.requested_at)}"
        fields.append(("Reason", reason))
    if order.reason_text:
        fields.append(("About the reason", md_inline(order.reason_text)))
    if order.ticket or order.escalated_at:
        ticket = md_inline(order.ticket) or "(no reference)"
        if order.escalated_at:
            ticket += f", escalated {_md_time(order.escalated_at)}"
        fields.append(("CS ticket", ticket))
    if order.follow_up_due:
        fields.append(("Follow up by", order.follow_up_due.isoformat()))
    if order.tags:
        fields.append(("Tags", " ".join(md_inline("#" + t) for t in order.tags)))
    out += [f"- **{name}:** {value}" for name, value in fields]
    out.append("")
    for kind, title in (
        (EntryKind.NOTE, "Notes"),
        (EntryKind.MESSAGE, "Messages"),
        (EntryKind.LESSON, "Lessons"),
    ):
        entries = order.entries_of(kind)
        if entries:
            out += [f"### {title}", ""]
            for entry in entries:
                out += _md_entry(entry)
            out.append("")
    out += ["### Timeline", ""]
    for event, said in timeline(order):
        first, _, rest = said.partition("\n")
        head = f"{_md_time(event.at)} · {md_inline(first.replace(' -> ', ' → '))}"
        out += _md_item(head, rest) if rest else [f"- {head}"]
    out.append("")
    return out


# ----------------------------------------------------------------------------- dispatch


def export_text(
    fmt: str,
    orders: Iterable[Order],
    lessons: Iterable[Entry] = (),
    reasons: Iterable[tuple[str, str]] = (),
    now: datetime | None = None,
    templates: Iterable[Template] = (),
) -> str:
    """The export in one of :data:`FORMATS`."""
    if fmt == "json":
        return export_json(orders, lessons, reasons, now, templates)
    if fmt == "csv":
        return export_csv(orders)
    if fmt == "md":
        return export_markdown(orders, lessons, reasons, now)
    raise ExchangeError(f"format: one of {', '.join(FORMATS)} (got {fmt!r})")


def export_board(board: Board, fmt: str) -> str:
    """The whole board (archive included) in one of :data:`FORMATS`."""
    snap = board.snapshot()
    return export_text(
        fmt,
        board.orders(archived=True, snapshot=snap),
        board.general_lessons(),
        board.reasons(),
        board.clock(),
        board.templates(),
    )


def format_for_path(path: str | os.PathLike[str]) -> str | None:
    """The format a file name asks for (``.json``, ``.csv``, ``.md``), or None."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "markdown":
        return "md"
    return suffix if suffix in FORMATS else None


def check_output(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Where an export would go; refuses a folder, a missing folder, or (without
    ``force``) an existing file."""
    target = Path(path).expanduser().absolute()
    if target.is_dir():
        raise ExchangeError(f"{target}: is a folder")
    if not force and (target.exists() or target.is_symlink()):
        raise ExchangeError(f"{target}: already exists (--force overwrites it)")
    if not target.parent.is_dir():
        raise ExchangeError(f"{target}: no such folder: {target.parent}")
    return target


def write_private(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically, readable by its owner only (0600).

    Refuses an existing file unless ``force``. A temporary file in the same folder is
    written and synced, then linked into place (which fails if a file appeared
    meanwhile) or, with ``force``, renamed over the old one.
    """
    target = check_output(path, force=force)
    folder = target.parent
    tmp = folder / f".{target.name}.unwritten.tmp"
    try:
        tmp = write_temp(folder, target.name, text.encode("utf-8"))
        if force:
            os.replace(tmp, target)
        else:
            _link_new(tmp, target)
    except FileExistsError:
        raise ExchangeError(f"{target}: already exists (--force overwrites it)") from None
    except OSError as error:
        detail = (error.strerror or str(error)).lower()
        raise ExchangeError(f"{target}: cannot write: {detail}; nothing was written") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    fsync_folder(folder)
    return target


def _link_new(tmp: Path, target: Path) -> None:
    """Put ``tmp`` at ``target`` only if nothing is there (hard link where possible)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:
        # File systems without hard links: check, then rename (a small race, no loss).
        if target.exists() or target.is_symlink():
            raise FileExistsError(str(target)) from None
        os.replace(tmp, target)


# ============================================================================= import


def source_name(path: str | os.PathLike[str]) -> str:
    """How an import's errors name its file (``-``: standard input)."""
    return "standard input" if os.fspath(path) == "-" else str(Path(path).expanduser())


def read_import(path: str | os.PathLike[str], now: datetime) -> ImportData:
    """Read and validate an import file (JSON export or CSV; ``-``: standard input);
    nothing is written."""
    if os.fspath(path) == "-":
        try:
            raw = sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1)
        except (AttributeError, OSError) as error:  # no standard input (closed)
            raise ExchangeError(f"standard input: cannot read: {error}") from None
        if len(raw) > MAX_IMPORT_BYTES:
            raise ExchangeError("standard input: too large to import (over 200 MB)")
        try:
            return parse_import(raw, now)
        except ExchangeError as error:
            raise ExchangeError(f"{source_name(path)}: {error}") from None
    source = Path(path).expanduser()
    try:
        if source.is_dir():
            raise ExchangeError(f"{source}: is a folder, not a file")
        if source.stat().st_size > MAX_IMPORT_BYTES:
            raise ExchangeError(f"{source}: too large to import (over 200 MB)")
        raw = source.read_bytes()
    except FileNotFoundError:
        raise ExchangeError(f"{source}: no such file") from None
    except OSError as error:
        detail = (error.strerror or str(error)).lower()
        raise ExchangeError(f"{source}: cannot read: {detail}") from None
    try:
        return parse_import(raw, now, hint=format_for_path(source))
    except ExchangeError as error:
        raise ExchangeError(f"{source}: {error}") from None


def parse_import(raw: bytes, now: datetime, *, hint: str | None = None) -> ImportData:
    """Validate the bytes of an import file: a JSON export, or CSV with the export's
    columns (told apart by the content; ``hint`` is the file name's format)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ExchangeError(f"not UTF-8 text (byte {error.start})") from None
    head = text.lstrip()[:1]
    if not head:
        raise ExchangeError("the file is empty")
    if head in "{[" or hint == "json":
        return parse_json(text)
    if hint == "md":
        raise ExchangeError("Markdown reports cannot be imported; use a JSON or CSV export")
    return parse_csv(text, now)


# ----------------------------------------------------------------------------- JSON

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_ORDER_KEYS = frozenset(
    Order(number="X", buyer="x", created_at=_EPOCH, entered_stage_at=_EPOCH).to_dict()
)
"""The fields of an order in an export (derived from :meth:`Order.to_dict`)."""
_ENTRY_KEYS = frozenset({"id", "kind", "text", "at", "direction", "tags"})
_EVENT_KEYS = frozenset({"at", "action", "from", "to", "outcome", "detail"})


class _Bad(Exception):
    """A bad field inside a document: (field, message), placed by the caller."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(field_name, message)
        self.field = field_name
        self.message = message


_T = TypeVar("_T")


def _checked(field_name: str, check: Callable[[], _T]) -> _T:
    """Run a domain parser, turning its error into a :class:`_Bad` for ``field_name``."""
    try:
        return check()
    except ValidationError as error:
        raise _Bad(field_name, error.message) from None


def _consistent(order: Order, *, fill: bool = False) -> Order:
    """:func:`check_consistent`, its error placed as the field it names."""
    try:
        return check_consistent(order, fill=fill)
    except ValidationError as error:
        raise _Bad(error.field, error.message) from None


def parse_json(text: str) -> ImportData:
    """Validate a JSON export completely; the first error names the order and field."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExchangeError(
            f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        raise ExchangeError("not valid JSON: nested too deeply") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ExchangeError(f'not a Cancelboard export (no "format": "{FORMAT}")')
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ExchangeError(f"version: not a valid export version: {version!r}")
    if version > VERSION:
        raise ExchangeError(
            f"version: written by a newer Cancelboard (export version {version}; this one"
            f" reads up to {VERSION}); upgrade cancelboard"
        )
    for key in ("orders", "lessons", "reasons", "templates"):
        if not isinstance(doc.get(key, []), list):
            raise ExchangeError(f"{key}: not a list")
    if "orders" not in doc:
        raise ExchangeError("orders: missing")

    reasons: list[tuple[str, str]] = []
    for i, item in enumerate(doc.get("reasons", []), 1):
        where = f"reasons item {i}"
        try:
            rid, label = _reason_from_json(item)
        except _Bad as bad:
            raise ExchangeError(f"{where}, {bad.field}: {bad.message}") from None
        if rid not in dict(reasons):
            reasons.append((rid, label))

    orders: list[Order] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(doc["orders"], 1):
        number = _peek_number(item)
        where = f"order {number}" if number else f"orders item {i}"
        try:
            order = _order_from_json(item)
        except _Bad as bad:
            raise ExchangeError(f"{where}, {bad.field}: {bad.message}") from None
        if order.number in seen:
            raise ExchangeError(
                f"{where}, order: {order.number} appears twice in the file"
                f" (items {seen[order.number]} and {i})"
            )
        seen[order.number] = i
        orders.append(order)

    lessons: list[Entry] = []
    lesson_ids: set[str] = set()
    for i, item in enumerate(doc.get("lessons", []), 1):
        where = f"lessons item {i}"
        try:
            entry = _entry_from_json(item, "")
            if entry.kind is not EntryKind.LESSON:
                raise _Bad("kind", f"general lessons must be lessons, not {entry.kind.value}")
            if entry.id in lesson_ids:
                raise _Bad("id", f"{entry.id} appears twice in the file")
        except _Bad as bad:
            raise ExchangeError(f"{where}, {bad.field}: {bad.message}") from None
        lesson_ids.add(entry.id)
        lessons.append(entry)

    templates: list[Template] = []
    for i, item in enumerate(doc.get("templates", []), 1):
        where = f"templates item {i}"
        if not isinstance(item, dict):
            raise ExchangeError(f"{where}: not an object with id, title and text")
        try:
            template = Template.from_dict(item)
            parse_required("title", template.title, 80)
            parse_entry_text(template.text)
        except ValidationError as error:
            raise ExchangeError(f"{where}, {error.field}: {error.message}") from None
        except (KeyError, TypeError, ValueError) as error:
            raise ExchangeError(f"{where}: {type(error).__name__}: {error}") from None
        if not template.id or template.id in {t.id for t in templates}:
            raise ExchangeError(f"{where}, id: missing or twice in the file")
        templates.append(template)
    return ImportData("json", tuple(orders), tuple(lessons), tuple(reasons), tuple(templates))


def _reason_from_json(item: Any) -> tuple[str, str]:
    if not isinstance(item, dict):
        raise _Bad("reason", "not an object with id and label")
    rid = _checked("id", lambda: parse_required("reason", _str(item, "id"), 40)).lower()
    label = _checked("label", lambda: parse_required("reason", _str(item, "label"), 80))
    return rid, label


def _peek_number(item: Any) -> str:
    if isinstance(item, dict) and isinstance(item.get("order"), str):
        with contextlib.suppress(ValidationError):
            return parse_order_number(item["order"])
    return ""


def _str(doc: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = doc.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _Bad(key, "missing" if value is None else f"not text: {value!r}")
    return value


def _cents(doc: Mapping[str, Any], key: str) -> int:
    value = doc.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Bad(key, f"not a non-negative whole number of cents: {value!r}")
    if value >= 100000000 * 100:
        raise _Bad(key, "too large")
    return value


def _moment(doc: Mapping[str, Any], key: str, *, required: bool) -> datetime | None:
    value = doc.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise _Bad(key, "missing" if value is None else f"not an ISO 8601 time: {value!r}")
    try:
        return from_iso(value)
    except ValueError:
        raise _Bad(key, f"not an ISO 8601 time: {value!r}") from None


def _day(doc: Mapping[str, Any], key: str) -> date | None:
    value = doc.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Bad(key, f"not a date in YYYY-MM-DD form: {value!r}")
    return _checked(key, lambda: parse_date(value, key))


def _choice(
    doc: Mapping[str, Any], key: str, values: Iterable[str], *, required: bool = False
) -> str | None:
    value = doc.get(key)
    if value is None or value == "":
        if required:
            raise _Bad(key, "missing")
        return None
    allowed = list(values)
    if value not in allowed:
        raise _Bad(key, f"unknown value {value!r} (one of {', '.join(allowed)})")
    return str(value)


def _text_list(doc: Mapping[str, Any], key: str) -> list[str]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad(key, "not a list of text")
    return value


def _unknown(doc: Mapping[str, Any], known: frozenset[str]) -> None:
    extra = sorted(set(doc) - known)
    if extra:
        raise _Bad(extra[0], "unknown field")


def _order_from_json(item: Any) -> Order:
    if not isinstance(item, dict):
        raise _Bad("order", "not an object")
    _unknown(item, _ORDER_KEYS)
    number = _checked("order", lambda: parse_order_number(_str(item, "order")))
    _checked("buyer", lambda: parse_required("buyer", _str(item, "buyer"), 80))
    _checked("gig", lambda: parse_optional("gig", _str(item, "gig", required=False)))
    for key in ("amount_cents", "refund_cents"):
        _cents(item, key)
    currency = _str(item, "currency", required=False) or "USD"
    if not CURRENCY_RE.fullmatch(currency):
        raise _Bad("currency", f"three capital letters, e.g. USD (got {currency!r})")
    for key in ("order_date", "due", "next_check", "follow_up_due"):
        _day(item, key)
    _choice(item, "stage", [s.value for s in Stage])
    for key in ("created_at", "entered_stage_at"):
        _moment(item, key, required=True)
    for key in ("requested_at", "escalated_at"):
        _moment(item, key, required=False)
    _checked("reason", lambda: parse_optional("reason", _str(item, "reason", required=False), 40))
    reason_text = _str(item, "reason_text", required=False)
    if len(reason_text) > 2000:
        raise _Bad("reason_text", "at most 2000 characters")
    _checked("ticket", lambda: parse_optional("ticket", _str(item, "ticket", required=False), 80))
    _choice(item, "initiator", [i.value for i in Initiator])
    _choice(item, "outcome", [o.value for o in Outcome])
    _checked("tags", lambda: parse_tags(_text_list(item, "tags")))
    revision = item.get("revision", 1)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        raise _Bad("revision", f"not a whole number from 1: {revision!r}")

    entries = item.get("entries", [])
    if not isinstance(entries, list):
        raise _Bad("entries", "not a list")
    ids: set[str] = set()
    for i, entry in enumerate(entries):
        checked = _entry_from_json(entry, f"entries[{i}].")
        if checked.id in ids:
            raise _Bad(f"entries[{i}].id", f"{checked.id} appears twice in the order")
        ids.add(checked.id)
    history = item.get("history", [])
    if not isinstance(history, list):
        raise _Bad("history", "not a list")
    for i, event in enumerate(history):
        _event_from_json(event, f"history[{i}].")
    try:
        order = Order.from_dict({**item, "order": number})
    except (KeyError, ValueError, TypeError) as error:  # pragma: no cover - checked above
        raise _Bad("order", f"cannot be read ({error})") from None
    return _consistent(order)


def _entry_from_json(item: Any, prefix: str) -> Entry:
    if not isinstance(item, dict):
        raise _Bad(prefix.rstrip(".") or "lesson", "not an object")
    try:
        _unknown(item, _ENTRY_KEYS)
        if not clean_line(_str(item, "id")):
            raise _Bad("id", "required")
        kind = _choice(item, "kind", [k.value for k in EntryKind], required=True)
        if not clean_text(_str(item, "text")).strip():
            raise _Bad("text", "required")
        _moment(item, "at", required=True)
        direction = _choice(item, "direction", [d.value for d in Direction])
        if direction is not None and kind != EntryKind.MESSAGE.value:
            raise _Bad("direction", "only messages have a direction")
        _text_list(item, "tags")
    except _Bad as bad:
        raise _Bad(prefix + bad.field, bad.message) from None
    return Entry.from_dict(item)


def _event_from_json(item: Any, prefix: str) -> Event:
    if not isinstance(item, dict):
        raise _Bad(prefix.rstrip("."), "not an object")
    try:
        _unknown(item, _EVENT_KEYS)
        _moment(item, "at", required=True)
        if not clean_line(_str(item, "action")):
            raise _Bad("action", "required")
        stages = [s.value for s in Stage]
        _choice(item, "from", stages)
        _choice(item, "to", stages)
        _choice(item, "outcome", [o.value for o in Outcome])
        _str(item, "detail", required=False)
    except _Bad as bad:
        raise _Bad(prefix + bad.field, bad.message) from None
    return Event.from_dict(item)


# ----------------------------------------------------------------------------- CSV


def parse_csv(text: str, now: datetime) -> ImportData:
    """Validate CSV with the export's columns; the first error names the row and field.

    Rows are numbered as a spreadsheet shows them (the header is row 1). Orders from CSV
    have no entries (an order already on the board keeps its own); their history records
    the import. Each row's cells are checked here; whether its outcome, refund and stage
    fit together is checked by :meth:`ImportData.onto`, with the board's order where the
    row has only some columns.
    """
    # Strict: a quote left open swallowed every row after it into one cell, silently.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise ExchangeError(f"not valid CSV: {error} (line {reader.line_num})") from None
    if not rows:
        raise ExchangeError("the file is empty")
    header = [clean_line(cell).lower() for cell in rows[0]]
    for i, name in enumerate(header):
        if not name:
            continue  # an empty column a spreadsheet added; cells under it must be empty
        if name not in CSV_COLUMNS:
            raise ExchangeError(
                f"row 1, column {i + 1}: unknown column {name!r}"
                f" (columns: {', '.join(CSV_COLUMNS)})"
            )
        if name in header[:i]:
            raise ExchangeError(f"row 1, column {i + 1}: {name!r} appears twice")
    for required in ("order", "buyer"):
        if required not in header:
            raise ExchangeError(f"row 1: no {required!r} column")

    orders: list[Order] = []
    seen: dict[str, int] = {}
    given: dict[str, frozenset[str]] = {}
    rows_at: dict[str, str] = {}
    for index, cells in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise ExchangeError(f"row {index}: {len(cells)} cells but {len(header)} columns")
        for column, (name, cell) in enumerate(zip(header, cells, strict=False), 1):
            if not name and cell.strip():
                raise ExchangeError(f"row {index}, column {column}: a value under no column name")
        values = {name: csv_unsafe(cell) for name, cell in zip(header, cells, strict=False) if name}
        number = ""
        with contextlib.suppress(ValidationError):
            number = parse_order_number(values.get("order", ""))
        where = f"row {index}" + (f" ({number})" if number else "")
        try:
            order = _order_from_csv(values, now)
        except _Bad as bad:
            raise ExchangeError(f"{where}, {bad.field}: {bad.message}") from None
        if order.number in seen:
            raise ExchangeError(
                f"{where}, order: {order.number} is also on row {seen[order.number]}"
            )
        seen[order.number] = index
        orders.append(order)
        rows_at[order.number] = where
        given[order.number] = frozenset(
            CSV_FIELDS.get(name, name)
            for name in values
            if name != "order" and not (name in KEPT_WHEN_EMPTY and not clean_line(values[name]))
        )
    return ImportData("csv", tuple(orders), given=given, rows=rows_at, at=now)


CSV_FIELDS = {"amount": "amount_cents", "refund": "refund_cents"}
"""CSV columns whose order field has another name (the others have their column's)."""
KEPT_WHEN_EMPTY = ("created_at", "entered_stage_at", "requested_at", "escalated_at")
"""A CSV row's times that, left empty, are not known: a new order takes the import's
clock (or, for a request or escalation, when it entered its stage), one already on the
board keeps its own."""


def _csv_moment(values: Mapping[str, str], key: str) -> datetime | None:
    raw = clean_line(values.get(key, ""))
    if not raw:
        return None
    try:
        return from_iso(raw)
    except ValueError:
        raise _Bad(key, f"not an ISO 8601 time, e.g. 2026-11-26T14:00:00+00:00: {raw!r}") from None


def _csv_date(values: Mapping[str, str], key: str) -> date | None:
    return _checked(key, lambda: parse_date(values.get(key, ""), key))


def _csv_choice(values: Mapping[str, str], key: str, allowed: Sequence[str]) -> str | None:
    raw = clean_line(values.get(key, "")).lower()
    if not raw:
        return None
    if raw not in allowed:
        raise _Bad(key, f"unknown value {raw!r} (one of {', '.join(allowed)})")
    return raw


def _order_from_csv(values: Mapping[str, str], now: datetime) -> Order:
    def get(key: str) -> str:
        return values.get(key, "")

    number = _checked("order", lambda: parse_order_number(get("order")))
    buyer = _checked("buyer", lambda: parse_required("buyer", get("buyer"), 80))
    gig = _checked("gig", lambda: parse_optional("gig", get("gig")))
    amount = _checked("amount", lambda: parse_amount(get("amount")))
    currency = _checked("currency", lambda: parse_currency(get("currency")))
    dates = {
        key: _csv_date(values, key) for key in ("order_date", "due", "next_check", "follow_up_due")
    }
    stage = Stage(_csv_choice(values, "stage", [s.value for s in Stage]) or Stage.TALK.value)
    outcome_id = _csv_choice(values, "outcome", [o.value for o in Outcome])
    outcome = Outcome(outcome_id) if outcome_id else None
    refund = _checked("refund", lambda: parse_amount(get("refund"), "refund"))
    reason = _checked("reason", lambda: parse_optional("reason", get("reason"), 40))
    reason_text = clean_text(get("reason_text")).strip()
    if len(reason_text) > 2000:
        raise _Bad("reason_text", "at most 2000 characters")
    initiator_id = _csv_choice(values, "initiator", [i.value for i in Initiator])
    ticket = _checked("ticket", lambda: parse_optional("ticket", get("ticket"), 80))
    tags = _checked("tags", lambda: parse_tags(get("tags")))
    created_at = _csv_moment(values, "created_at") or now
    entered = _csv_moment(values, "entered_stage_at") or created_at
    order = Order(
        number=number,
        buyer=buyer,
        gig=gig,
        amount_cents=amount,
        currency=currency,
        order_date=dates["order_date"],
        due=dates["due"],
        stage=stage,
        created_at=created_at,
        entered_stage_at=entered,
        reason=reason,
        reason_text=reason_text,
        initiator=Initiator(initiator_id) if initiator_id else None,
        requested_at=_csv_moment(values, "requested_at"),
        escalated_at=_csv_moment(values, "escalated_at"),
        ticket=ticket,
        next_check=dates["next_check"],
        follow_up_due=dates["follow_up_due"],
        outcome=outcome,
        refund_cents=refund,
        tags=tags,
        history=(Event(at=now, action="imported", detail="from CSV"),),
    )
    return order
