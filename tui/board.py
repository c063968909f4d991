"""The board service: the one path for every change, from the TUI and the CLI alike.

It validates through the domain rules and persists through the store, inside one store
transaction per change, so a change is on disk (or refused) when a call returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui import domain
from tui.domain import (
    DEFAULT_REASONS,
    DEFAULT_TEMPLATES,
    Direction,
    Entry,
    EntryKind,
    Event,
    Move,
    Order,
    OrderDraft,
    Outcome,
    Settings,
    Stage,
    Template,
    ValidationError,
)
from tui.store import (
    LESSONS,
    ORDERS,
    SETTINGS,
    TEMPLATES,
    ArchiveError,
    Snapshot,
    Store,
    StoreError,
    Tx,
)
from tui.text import clean_line

if TYPE_CHECKING:
    from tui.exchange import ImportReport
    from tui.stats import Stats


class ConflictError(Exception):
    """The order changed in another session since it was shown; nothing was written."""

    def __init__(self, order: Order | None, message: str) -> None:
        super().__init__(message)
        self.order = order
        """The order as it is now on disk (None if it was deleted)."""


@dataclass(frozen=True)
class UndoStep:
    """How to take back one change made in this session."""

    label: str
    """What the change was, for the notice (``moved FO1 to Follow up``)."""
    number: str
    """The order it touched ('' for a general lesson)."""
    before: dict[str, Any] | None
    """The order's document before the change (None: the change created it)."""
    after_revision: int | None
    """The order's revision right after the change (None: the change deleted it)."""
    entry_id: str | None = None
    """For added entries: the entry to remove."""
    place: str | None = None
    """For a deleted order: its id in its file. A column orders the cards that entered
    its stage in the same second as they are stored: put back under a new id, the order
    came back at the end of its column."""

    @property
    def number_after(self) -> str:
        """The order's number once the change is undone (an edit may have renamed it)."""
        if self.before is not None and isinstance(self.before.get("order"), str):
            return str(self.before["order"])
        return self.number


@dataclass(frozen=True)
class FirstCards:
    """The open orders a board's first paint shows (see :meth:`Board.first_orders`)."""

    orders: list[Order]
    """The first cards of each stage, in the stored order."""
    counts: dict[Stage, int]
    """How many open orders each stage holds (a stage without any is left out)."""


class Board:
    """Every operation a seller can make on a board file."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime] = domain.utcnow,
        settings: Settings | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings or Settings()
        self.undo_stack: list[UndoStep] = []
        """This session's changes, newest last."""
        self._memo: dict[str, tuple[dict[str, Any], Order]] = {}
        self.lazy_details = False
        """Leave orders' entries and history to be converted on first read (a board's
        first paint needs none of them); :meth:`load_details` then reads them all."""
        self.first_cards: FirstCards | None = None
        """What a board's first paint shows, when it is not every open order (set at the
        start, see :meth:`first_orders`; taken by the board's screen)."""

    # ---------------------------------------------------------------- reading

    def snapshot(self) -> Snapshot:
        """The raw state now (cheap when nothing changed)."""
        return self.store.snapshot()

    def orders(self, *, archived: bool = False, snapshot: Snapshot | None = None) -> list[Order]:
        """Open orders (and, with ``archived``, the closed ones), oldest first.

        Open orders come from the board file alone (``snapshot``, or the store's now); only
        ``archived`` reads the archive file.
        """
        return [self._order(doc, where) for doc, where in self._documents(archived, snapshot)]

    def _documents(
        self, archived: bool, snapshot: Snapshot | None = None
    ) -> list[tuple[dict[str, Any], bool]]:
        """The order documents :meth:`orders` reads: (document, whether the archive's)."""
        snap = snapshot or self.store.snapshot()
        if archived:
            return self.store.all_orders(snap)
        return [
            (doc, False)
            for doc in snap.data.get(ORDERS, {}).values()
            if doc.get("stage") != Stage.CLOSED.value
        ]

    def first_orders(self, per_stage: int) -> FirstCards | None:
        """The open orders a board's first paint can show: the first ``per_stage`` of each
        stage (in a column's order: longest in the stage first, then as stored), and how
        many each stage holds. The others wait (a terminal shows a few dozen cards, and
        converting 1,000 open orders was ~14 ms of a start). None when every open order
        is among them, or when one's stage or time in it cannot be read: :meth:`orders`
        then reads them all, and names a damaged one."""
        docs = self._documents(archived=False)
        if len(docs) <= per_stage:
            return None
        keyed: dict[Stage, list[tuple[datetime, int]]] = {}
        try:
            for index, (doc, _) in enumerate(docs):
                when = domain.from_iso(doc["entered_stage_at"])
                keyed.setdefault(Stage(doc.get("stage", Stage.TALK.value)), []).append(
                    (when, index)
                )
            for keys in keyed.values():
                keys.sort()  # the same order as the columns' sort, which is stable
        except (KeyError, ValueError, TypeError):
            return None
        chosen = sorted(index for keys in keyed.values() for _, index in keys[:per_stage])
        if len(chosen) == len(docs):
            return None
        orders = [self._order(*docs[index]) for index in chosen]
        return FirstCards(orders, {stage: len(keys) for stage, keys in keyed.items()})

    def has_archived(self) -> bool:
        """Whether the archive holds any order: the board file's index says, without
        reading the archive (a damaged or unindexed archive that exists counts)."""
        numbers = self.store.snapshot().archived_numbers
        if numbers is not None:
            return bool(numbers)
        try:
            return any(in_archive for _, in_archive in self.store.all_orders())
        except ArchiveError:
            return True

    def summaries(self, *, archived: bool = False) -> list[tuple[Order, dict[str, int]]]:
        """Like :meth:`orders`, without each order's entries and history (for listings:
        reading them is most of the cost), but with its count of entries of each kind."""
        found = []
        for doc, in_archive in self._documents(archived):
            order = self._convert(doc, in_archive, details=False)
            try:
                entries = domain.stored_list(doc.get("entries", []), "its entries")
            except TypeError as error:
                raise self._damaged(doc, in_archive, error) from None
            counts = {kind.value: domain.count_stored(entries, kind) for kind in EntryKind}
            found.append((order, counts))
        return found

    def stats(self) -> Stats:
        """The numbers of the whole board, the archive's orders too (see :mod:`tui.stats`).

        Each order is read without its entries and history, and its time in each stage
        worked out from the history as stored: converting every entry and event was most
        of the cost (10,000 orders: ~0.9 -> ~0.5 s). An order whose fields or stage
        changes are damaged is refused, naming its file; the other events and the entries
        are not read here (opening the order, or the lessons library, says what is wrong
        with them)."""
        from tui.stats import compute_stats, time_in_stored_stages  # not at start: ~5 ms

        now = self.clock()
        orders, spent = [], []
        for doc, in_archive in self._documents(archived=True):
            order = self._convert(doc, in_archive, details=False)
            try:
                times = time_in_stored_stages(
                    doc.get("history", ()), order.stage, order.entered_stage_at, now
                )
            except (KeyError, ValueError, TypeError, AttributeError, OverflowError) as error:
                # OverflowError: times that add up past what a timedelta holds (by hand).
                raise self._damaged(doc, in_archive, error) from None
            orders.append(order)
            spent.append(times)
        return compute_stats(orders, now, self.reasons(), spent=spent)

    def get(self, number: str) -> Order:
        """One order by number (open or archived; the archive is read only if need be)."""
        wanted = number.strip().upper()
        found = self.store.find_order(wanted)
        if found is None:
            raise ValidationError("order", f"no order {wanted} on this board")
        return self._order(*found)

    def _order(self, doc: dict[str, Any], in_archive: bool = False) -> Order:
        # Snapshots share unchanged document objects, so identity tells what to re-convert.
        number = str(doc.get("order"))
        memo = self._memo.get(number)
        if memo is not None and memo[0] is doc:
            return memo[1]
        order = self._convert(doc, in_archive)
        self._memo[number] = (doc, order)
        return order

    def _convert(
        self, doc: dict[str, Any], in_archive: bool = False, *, details: bool = True
    ) -> Order:
        try:
            return Order.from_dict(doc, details=details, lazy=self.lazy_details)
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise self._damaged(doc, in_archive, error) from None

    def _damaged(self, doc: dict[str, Any], in_archive: bool, error: Exception) -> StoreError:
        """The error for a damaged order document, naming its file."""
        path = self.store.archive_path if in_archive else self.store.path
        return (ArchiveError if in_archive else StoreError)(
            f"{path}: order {doc.get('order')} is damaged ({type(error).__name__}: {error})"
        )

    def load_details(self, orders: Iterable[Order]) -> int:
        """Convert the entries and history of orders read with :attr:`lazy_details`, so that
        a damaged one is a :class:`StoreError` now, not an exception where it is shown;
        how many orders had theirs still to convert."""
        converted = 0
        for order in orders:
            converted += isinstance(order.__dict__.get("_entries"), domain.Stored)
            try:
                order.entries  # noqa: B018 (read to convert)
                order.history  # noqa: B018
            except domain.DamagedOrder as error:
                path = self.store.archive_path if not order.is_open else self.store.path
                raise (StoreError if order.is_open else ArchiveError)(f"{path}: {error}") from None
        return converted

    def general_lessons(self) -> list[Entry]:
        """Lessons not tied to an order."""
        return [Entry.from_dict(d) for d in self.store.snapshot().table(LESSONS)]

    def lessons(self, *, archived: bool = True) -> list[domain.Lesson]:
        """Every lesson (without ``archived``, none of closed orders), newest first.

        From each order's number, outcome and lesson entries alone: converting every whole
        order (the archive's too) was most of the library's opening at 10,000 orders
        (~1 s of ~1.4 s). A damaged lesson, number or outcome is refused as a damaged
        order is (naming its file); the rest of an order is checked where it is shown.
        """
        lessons = [domain.Lesson(entry) for entry in self.general_lessons()]
        lesson = EntryKind.LESSON.value
        kinds = {kind.value for kind in EntryKind}
        for doc, in_archive in self._documents(archived):
            stored = doc.get("entries", ())
            if not isinstance(stored, list):
                self._convert(doc, in_archive)  # says what is damaged
                continue
            try:
                # An entry of no known kind might be a lesson: refused, as converting the
                # whole order refuses it.
                for entry in stored:
                    if not isinstance(entry, dict):
                        raise TypeError(f"an entry is a {type(entry).__name__}, not an object")
                    if entry.get("kind") not in kinds:
                        raise ValueError(f"{entry.get('kind')!r} is not a valid EntryKind")
                found = [e for e in stored if e["kind"] == lesson]
                if not found:
                    continue
                number = clean_line(str(doc["order"]))
                outcome = Outcome(doc["outcome"]) if doc.get("outcome") else None
                lessons += [domain.Lesson(Entry.from_dict(e), number, outcome) for e in found]
            except (KeyError, ValueError, TypeError) as error:
                raise self._damaged(doc, in_archive, error) from None
        return domain.newest_first(lessons)

    def names(self, *, archived: bool = True) -> list[tuple[str, str]]:
        """(number, buyer) of every order (without ``archived``, the open ones), oldest
        first, read from the documents without converting orders (the command palette
        lists every order: converting 10,000 took over a second)."""
        return [
            (clean_line(str(doc.get("order", ""))), clean_line(str(doc.get("buyer", ""))))
            for doc, _ in self._documents(archived)
        ]

    def reasons(self) -> list[tuple[str, str]]:
        """Cancellation reasons (id, label): the user's list, or the defaults."""
        for doc in self.store.snapshot().table(SETTINGS):
            if "reasons" in doc:
                return [(str(r["id"]), str(r["label"])) for r in doc["reasons"]]
        return list(DEFAULT_REASONS)

    # ---------------------------------------------------------------- changes

    def add_order(self, draft: OrderDraft) -> Order:
        """Create an order in 'Talk to buyer'."""
        now = self.clock()
        order = domain.new_order(draft, now, self.settings.default_currency)
        with self.store.transaction() as tx:
            if tx.find(ORDERS, "order", order.number) is not None:
                raise ValidationError("order", f"{order.number} is already on the board")
            tx.put(ORDERS, "order", order.to_dict())
        self._remember(UndoStep(f"added {order.number}", order.number, None, order.revision))
        return order

    def edit_order(self, number: str, draft: OrderDraft, *, revision: int | None = None) -> Order:
        """Change an order's fields (same rules as creation)."""
        with self.store.transaction() as tx:
            order, doc = self._fresh(tx, number, revision)
            new = domain.edit_order(order, draft, self.clock())
            if new is order:
                return order
            if new.number != order.number and tx.find(ORDERS, "order", new.number):
                raise ValidationError("order", f"{new.number} is already on the board")
            if new.number != order.number:
                tx.delete(ORDERS, "order", order.number)
            tx.put(ORDERS, "order", new.to_dict())
        self._remember(UndoStep(f"edited {new.number}", new.number, doc, new.revision))
        return new

    def move(
        self,
        number: str,
        move: Move,
        *,
        revision: int | None = None,
        ready: Callable[[Order], None] | None = None,
    ) -> Order:
        """Move an order to another stage, by the transition table.

        ``ready`` is handed the moved order once it is worked out, before it is written (a
        screen lays it out meanwhile, and shows it once this returns): called with the board
        locked, it must return at once; if it raises, nothing is written.
        """
        with self.store.transaction() as tx:
            order, doc = self._fresh(tx, number, revision)
            reasons = [r for r, _ in self._reasons(tx)]
            new = domain.move_order(order, move, self.clock(), reasons, self.settings)
            tx.put(ORDERS, "order", new.to_dict())
            if ready is not None:
                ready(new)
        label = f"moved {number} to {new.stage.label}"
        if new.stage is Stage.CLOSED:
            label = f"closed {number} ({new.outcome.value if new.outcome else ''})"
        self._remember(UndoStep(label, new.number, doc, new.revision))
        return new

    def add_entry(
        self,
        number: str,
        kind: EntryKind,
        text: str,
        *,
        direction: Direction | None = None,
        tags: Iterable[str] | str | None = None,
    ) -> Entry:
        """Add a note, message or lesson; never a conflict (both sessions' entries are kept)."""
        with self.store.transaction() as tx:
            order, doc = self._fresh(tx, number, None)
            new, entry = domain.add_entry(
                order, kind, text, self.clock(), direction=direction, tags=tags
            )
            tx.put(ORDERS, "order", new.to_dict())
        self._remember(
            UndoStep(f"added a {kind.value} to {order.number}", order.number, doc, None, entry.id)
        )
        return entry

    def add_general_lesson(self, text: str, tags: Iterable[str] | str | None = None) -> Entry:
        """A lesson not tied to an order, for the library."""
        entry = domain.make_entry(EntryKind.LESSON, text, self.clock(), tags=tags)
        with self.store.transaction() as tx:
            tx.put(LESSONS, "id", entry.to_dict())
        self._remember(UndoStep("added a lesson", "", None, None, entry.id))
        return entry

    def delete_order(self, number: str, *, revision: int | None = None) -> Order:
        """Remove an order from the board (undo brings it back)."""
        with self.store.transaction() as tx:
            order, doc = self._fresh(tx, number, revision)
            found = tx.find(ORDERS, "order", order.number)
            place = str(found.doc_id) if found is not None else None
            tx.delete(ORDERS, "order", order.number)
        self._remember(UndoStep(f"deleted {order.number}", order.number, doc, None, place=place))
        return order

    def import_orders(
        self,
        orders: Iterable[Order],
        *,
        lessons: Iterable[Entry] = (),
        reasons: Iterable[tuple[str, str]] = (),
        templates: Iterable[Template] = (),
        replace: bool = False,
        merge: Callable[[Order | None, Order], Order] | None = None,
    ) -> ImportReport:
        """Put validated imported orders (and general lessons) on the board, in ONE transaction.

        An order whose number is already on the board is skipped (reported as unchanged
        when it is identical but for its revision), or with ``replace`` overwritten: its
        revision then moves past the board's, so a session showing the old one gets a
        conflict, and a backup of the board is made first. Lessons already on the board
        (same id) are skipped. Reasons used by the written orders that the board's list
        lacks are added from ``reasons`` (the file's list). Validation is the caller's
        (:mod:`tui.exchange`); an import is not undoable (the backup is the way back).
        ``merge``: the order to write for an imported one, given the board's (or None),
        read under the transaction's lock so no other session's change is lost
        (:meth:`tui.exchange.ImportData.onto`: a sheet's row changes only its columns);
        it raises :class:`~tui.exchange.ExchangeError` to refuse the import, and then
        nothing is written (without ``replace``, a row that does not fit an order already
        on the board is only counted as skipped, as any row that differs). None: the
        file's orders whole.
        """
        from tui.exchange import ExchangeError

        def as_imported(order: Order, current: Mapping[str, Any] | None) -> dict[str, Any] | None:
            """The document to write, or None where the board has it already."""
            new = order
            if merge is not None:
                old = Order.from_dict(current) if current is not None else None
                new = merge(old, order)
                if new is old:
                    return None
            doc = new.to_dict()
            if current is not None and {**current, "revision": 0} == {**doc, "revision": 0}:
                return None
            return doc

        def differs(order: Order, current: Mapping[str, Any]) -> bool:
            """Whether the file has other data than the board (without ``replace``, a row
            that would not fit the board's order is not written either: skipped)."""
            try:
                return as_imported(order, current) is not None
            except ExchangeError:
                return True

        added: list[str] = []
        replaced: list[str] = []
        skipped: list[str] = []
        unchanged: list[str] = []
        lessons_added = lessons_skipped = 0
        backup: str | None = None
        orders = list(orders)
        file_reasons = dict(reasons)
        if replace:
            # The backup is made before the transaction (the store locks for it), and
            # only once the whole file fits the board (a refusal leaves no backup behind).
            on_board = {str(d.get("order")): d for d, _ in self.store.all_orders()}
            # Every order is merged here, new ones too: a refusal comes before the backup.
            writes = [as_imported(o, on_board.get(o.number)) is not None for o in orders]
            if any(w and o.number in on_board for w, o in zip(writes, orders, strict=True)):
                made = self.store.backup(reason="import")
                backup = str(made) if made else None
        with self.store.transaction() as tx:
            # A board with no orders yet, open or archived, takes a file's reasons as they
            # are; on one with orders, a built-in reason they may use stays listed.
            new_board = not tx.data.get(ORDERS) and not self.store.archive_path.exists()
            used: list[str] = []
            for order in orders:
                current = tx.find(ORDERS, "order", order.number)
                if current is not None and not replace:
                    (skipped if differs(order, current) else unchanged).append(order.number)
                    continue
                doc = as_imported(order, current)
                if doc is None:
                    unchanged.append(order.number)
                    continue
                if current is not None:
                    doc["revision"] = max(order.revision, int(current.get("revision", 1)) + 1)
                    replaced.append(order.number)
                else:
                    added.append(order.number)
                tx.put(ORDERS, "order", doc)
                # A reason this import brings: one the board's order had already (a sheet
                # without a reason column keeps it) is not the file's to add to the list
                # (an 'other' the seller took out of it came back).
                reason = doc.get("reason")
                brought = current is None or reason != current.get("reason")
                if reason and brought and reason not in used:
                    used.append(reason)
            for entry in lessons:
                if tx.find(LESSONS, "id", entry.id) is not None:
                    lessons_skipped += 1
                    continue
                tx.put(LESSONS, "id", entry.to_dict())
                lessons_added += 1
            # The file's templates and reasons: added where the board lacks them; where the
            # board has them too, the file's version is taken with ``replace``, or while
            # the board still has the built-in lists (a new board: an export's round trip
            # gives the seller's own lists back, not the defaults).
            templates_added = templates_replaced = 0
            templates = list(templates)
            if templates:
                built_in = not tx.table(TEMPLATES).all()
                self._seed_templates(tx)
                for template in templates:
                    current = tx.find(TEMPLATES, "id", template.id)
                    if current is None:
                        templates_added += 1
                    elif (replace or built_in) and dict(current) != template.to_dict():
                        templates_replaced += 1
                    else:
                        continue
                    tx.put(TEMPLATES, "id", template.to_dict())
            known = self._reasons(tx)
            built_in = tx.find(SETTINGS, "key", "reasons") is None
            take_all = bool(file_reasons) and (replace or built_in)
            missing = [
                (rid, label)
                for rid, label in file_reasons.items()
                if rid not in dict(known) and (take_all or rid in used)
            ]
            # A reason no list names (a CSV has none): listed under its id, and reported,
            # so its orders show it and a typo is seen.
            missing += [
                (rid, rid) for rid in used if rid not in dict(known) and rid not in file_reasons
            ]
            relabelled = [
                rid
                for rid, label in known
                if take_all and rid in file_reasons and file_reasons[rid] != label
            ]
            if missing or relabelled:
                if take_all and built_in:
                    # The built-in list gives way to the file's, in its order (a built-in
                    # reason it lacks stays after it, but on a new board only if an
                    # imported order uses it).
                    final = list(file_reasons.items()) + [
                        (rid, label)
                        for rid, label in known
                        if rid not in file_reasons and (not new_board or rid in used)
                    ]
                    final += [(rid, label) for rid, label in missing if rid not in dict(final)]
                else:
                    final = [
                        (rid, file_reasons[rid] if rid in relabelled else label)
                        for rid, label in known
                    ] + missing
                tx.put(
                    SETTINGS,
                    "key",
                    {"key": "reasons", "reasons": [{"id": r, "label": lb} for r, lb in final]},
                )
        from tui.exchange import ImportReport

        return ImportReport(
            added=tuple(added),
            replaced=tuple(replaced),
            skipped=tuple(skipped),
            unchanged=tuple(unchanged),
            lessons_added=lessons_added,
            lessons_skipped=lessons_skipped,
            reasons_added=tuple(r for r, _ in missing),
            reasons_relabelled=tuple(relabelled),
            templates_added=templates_added,
            templates_replaced=templates_replaced,
            backup=backup,
        )

    def set_reasons(self, reasons: Iterable[tuple[str, str]]) -> None:
        """Replace the list of cancellation reasons."""
        cleaned: list[dict[str, str]] = []
        for number, (rid, label) in enumerate(reasons, 1):
            rid = domain.parse_required("reason", rid, 40).lower()
            if any(r["id"] == rid for r in cleaned):
                raise ValidationError("reasons", f"line {number}: id {rid!r} appears twice")
            cleaned.append({"id": rid, "label": domain.parse_required("reason", label, 80)})
        if not cleaned:
            raise ValidationError("reasons", "keep at least one reason")
        with self.store.transaction() as tx:
            tx.put(SETTINGS, "key", {"key": "reasons", "reasons": cleaned})

    # ---------------------------------------------------------------- templates

    def templates(self) -> list[Template]:
        """Buyer message templates: the user's (kept in the board file), or the defaults."""
        stored = self.store.snapshot().table(TEMPLATES)
        if not stored:
            return list(DEFAULT_TEMPLATES)
        return [Template.from_dict(d) for d in stored]

    def save_template(self, title: str, text: str, *, template_id: str | None = None) -> Template:
        """Add a template, or change one (by id); the defaults become editable copies."""
        title = domain.parse_required("title", title, 80)
        body = domain.parse_entry_text(text)
        with self.store.transaction() as tx:
            self._seed_templates(tx)
            old = tx.find(TEMPLATES, "id", template_id) if template_id else None
            stages = Template.from_dict(old).stages if old else ()
            template = Template(template_id or domain.new_id(), title, body, stages)
            tx.put(TEMPLATES, "id", template.to_dict())
        return template

    def delete_template(self, template_id: str) -> None:
        """Remove a template."""
        with self.store.transaction() as tx:
            self._seed_templates(tx)
            if not tx.delete(TEMPLATES, "id", template_id):
                raise ValidationError("template", f"no template {template_id!r}")

    @staticmethod
    def _seed_templates(tx: Tx) -> None:
        if not tx.table(TEMPLATES).all():
            for template in DEFAULT_TEMPLATES:
                tx.put(TEMPLATES, "id", template.to_dict())

    # ---------------------------------------------------------------- undo

    def undo(self) -> str:
        """Take back this session's last change; returns what was undone."""
        if not self.undo_stack:
            raise ValidationError("undo", "nothing to undo in this session")
        step = self.undo_stack[-1]
        now = self.clock()
        revision = None
        try:
            with self.store.transaction() as tx:
                if not step.number:
                    tx.delete(LESSONS, "id", step.entry_id)
                else:
                    current = tx.find(ORDERS, "order", step.number)
                    revision = self._undo_order(tx, step, current, now)
        except ConflictError as error:
            # Another session changed it since: this step can never apply, so drop it
            # (else every later u would repeat the refusal and hide the earlier steps).
            self.undo_stack.pop()
            raise ConflictError(error.order, f"{error} (dropped from undo)") from None
        self.undo_stack.pop()
        if revision is not None and step.before is not None:
            # Revisions only go up, so the restored order has a new one: the earlier step
            # that left the order at the restored state must now expect that revision.
            for index in range(len(self.undo_stack) - 1, -1, -1):
                earlier = self.undo_stack[index]
                if earlier.number == step.number and earlier.after_revision is not None:
                    if earlier.after_revision == step.before.get("revision"):
                        self.undo_stack[index] = replace(earlier, after_revision=revision)
                    break
        return f"Undone: {step.label}"

    def _undo_order(
        self, tx: Tx, step: UndoStep, current: dict[str, Any] | None, now: datetime
    ) -> int | None:
        """Restore the order as it was before ``step``; returns its new revision."""
        if step.entry_id is not None:
            if current is None:
                raise ConflictError(None, f"{step.number} was deleted in another session")
            order = Order.from_dict(current)
            entries = tuple(e for e in order.entries if e.id != step.entry_id)
            event = Event(at=now, action="undone", detail=step.label)
            order = replace(order, entries=entries, history=order.history + (event,))
            tx.put(ORDERS, "order", order.to_dict())
            return None
        if current is not None and step.after_revision is None:
            raise ConflictError(None, f"{step.number} was added again in another session")
        if current is not None and current.get("revision") != step.after_revision:
            raise ConflictError(
                Order.from_dict(current),
                f"{step.number} was changed in another session; not undone",
            )
        if step.before is None:
            tx.delete(ORDERS, "order", step.number)
            return None
        if current is None and step.after_revision is not None:
            raise ConflictError(None, f"{step.number} was deleted in another session; not undone")
        restored = Order.from_dict(step.before)
        revision = max(restored.revision, int(current["revision"]) if current else 0) + 1
        event = Event(at=now, action="undone", detail=step.label)
        if current is None:  # a delete undone: the order as it was
            restored = replace(restored, revision=revision, history=restored.history + (event,))
        else:
            # Only the change's own fields go back: notes and messages added since (by the
            # command line or another session, which do not change the revision) stay, and
            # the history keeps the change it took back.
            now_on_disk = Order.from_dict(current)
            restored = replace(
                restored,
                revision=revision,
                entries=now_on_disk.entries,
                history=now_on_disk.history + (event,),
            )
        if current is not None and current.get("order") != restored.number:
            if tx.find(ORDERS, "order", restored.number) is not None:
                raise ConflictError(
                    None, f"another {restored.number} is on the board now; not undone"
                )
            tx.delete(ORDERS, "order", str(current["order"]))
        tx.put(ORDERS, "order", restored.to_dict(), at=step.place)
        return revision

    # ---------------------------------------------------------------- helpers

    def _fresh(self, tx: Tx, number: str, revision: int | None) -> tuple[Order, dict[str, Any]]:
        wanted = number.strip().upper()
        doc = tx.find(ORDERS, "order", wanted)
        if doc is None:
            raise ValidationError("order", f"no order {wanted} on this board")
        order = self._convert(doc, doc.get("stage") == Stage.CLOSED.value)
        if revision is not None and order.revision != revision:
            raise ConflictError(
                order,
                f"{wanted} was changed in another session; showing it as it is now",
            )
        return order, dict(doc)

    @staticmethod
    def _reasons(tx: Tx) -> list[tuple[str, str]]:
        doc = tx.find(SETTINGS, "key", "reasons")
        if doc is None:
            return list(DEFAULT_REASONS)
        return [(str(r["id"]), str(r["label"])) for r in doc["reasons"]]

    def _remember(self, step: UndoStep) -> None:
        self.undo_stack.append(step)
        del self.undo_stack[:-100]
