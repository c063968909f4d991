"""The board service over a real JSON file: changes, conflicts, undo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FROZEN
from tui.board import Board, ConflictError
from tui.domain import Direction, EntryKind, Move, OrderDraft, Outcome, Stage, ValidationError
from tui.store import Store, StoreError


def fresh(db: Path) -> Board:
    """Another session on the same file."""
    return Board(Store(db), clock=lambda: FROZEN)


@pytest.fixture
def board(db_path: Path) -> Board:
    return fresh(db_path)


def on_disk(db: Path) -> dict[str, dict[str, object]]:
    orders = json.loads(db.read_text())["orders"]
    return {doc["order"]: doc for doc in orders.values()}


def test_added_orders_are_on_disk_when_the_call_returns(board: Board, db_path: Path) -> None:
    board.add_order(OrderDraft("fo1", "jane", amount="25", due="2026-12-01"))
    doc = on_disk(db_path)["FO1"]
    assert (doc["buyer"], doc["amount_cents"], doc["stage"], doc["due"]) == (
        "jane",
        2500,
        "talk",
        "2026-12-01",
    )
    assert fresh(db_path).get("FO1").buyer == "jane"


def test_duplicate_order_numbers_are_refused(board: Board, db_path: Path) -> None:
    board.add_order(OrderDraft("FO1", "jane"))
    before = db_path.read_bytes()
    with pytest.raises(ValidationError) as caught:
        board.add_order(OrderDraft("fo1", "bob"))
    assert caught.value.field == "order"
    assert db_path.read_bytes() == before


def test_a_full_journey_is_recorded(board: Board, db_path: Path) -> None:
    board.add_order(OrderDraft("FO1", "jane", amount="25"))
    board.move("FO1", Move(Stage.REQUESTED, reason="scope"))
    board.move("FO1", Move(Stage.REVIEW, ticket="T-9"))
    board.move("FO1", Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_BY_CS))
    board.move("FO1", Move(Stage.LESSONS))
    board.add_entry("FO1", EntryKind.LESSON, "write scope down", tags="#scope")
    board.move("FO1", Move(Stage.CLOSED, outcome=Outcome.CANCELLED_BY_CS))
    order = fresh(db_path).get("FO1")
    assert order.stage is Stage.CLOSED
    assert [e.action for e in order.history] == [
        "created",
        "moved",
        "moved",
        "moved",
        "moved",
        "lesson",
        "closed",
    ]
    assert fresh(db_path).orders() == []
    assert [o.number for o in fresh(db_path).orders(archived=True)] == ["FO1"]
    assert [lesson.order for lesson in fresh(db_path).lessons()] == ["FO1"]


def test_a_stale_change_is_refused_and_nothing_written(db_path: Path) -> None:
    mine, theirs = fresh(db_path), fresh(db_path)
    shown = mine.add_order(OrderDraft("FO1", "jane"))
    theirs.move("FO1", Move(Stage.REQUESTED))
    before = db_path.read_bytes()
    with pytest.raises(ConflictError) as caught:
        mine.move("FO1", Move(Stage.CLOSED, outcome=Outcome.SAVED), revision=shown.revision)
    assert "another session" in str(caught.value)
    assert caught.value.order is not None and caught.value.order.stage is Stage.REQUESTED
    assert db_path.read_bytes() == before


def test_entries_from_two_sessions_are_both_kept(db_path: Path) -> None:
    mine, theirs = fresh(db_path), fresh(db_path)
    mine.add_order(OrderDraft("FO1", "jane"))
    mine.get("FO1")
    theirs.add_entry("FO1", EntryKind.NOTE, "theirs")
    mine.add_entry("FO1", EntryKind.MESSAGE, "mine", direction=Direction.TO_BUYER)
    texts = [e.text for e in fresh(db_path).get("FO1").entries]
    assert texts == ["theirs", "mine"]


def test_unknown_orders_name_the_field(board: Board) -> None:
    with pytest.raises(ValidationError) as caught:
        board.move("NOPE", Move(Stage.REQUESTED))
    assert caught.value.field == "order"


def test_undo_takes_back_each_kind_of_change(board: Board, db_path: Path) -> None:
    board.add_order(OrderDraft("FO1", "jane", amount="25"))
    board.move("FO1", Move(Stage.REQUESTED))
    board.add_entry("FO1", EntryKind.NOTE, "a note")
    board.edit_order("FO1", OrderDraft("FO1", "jane", amount="30"))
    board.delete_order("FO1")
    board.add_general_lesson("always ask")
    assert board.undo() == "Undone: added a lesson"
    assert fresh(db_path).general_lessons() == []
    assert "deleted FO1" in board.undo()
    assert fresh(db_path).get("FO1").amount_cents == 3000
    board.undo()
    assert fresh(db_path).get("FO1").amount_cents == 2500
    board.undo()
    assert fresh(db_path).get("FO1").entries == ()
    board.undo()
    assert fresh(db_path).get("FO1").stage is Stage.TALK
    board.undo()
    assert fresh(db_path).orders() == []
    with pytest.raises(ValidationError, match="nothing to undo"):
        board.undo()


def test_undo_refuses_to_overwrite_another_sessions_change(db_path: Path) -> None:
    mine, theirs = fresh(db_path), fresh(db_path)
    mine.add_order(OrderDraft("FO1", "jane"))
    mine.move("FO1", Move(Stage.REQUESTED))
    theirs.move("FO1", Move(Stage.REVIEW))
    with pytest.raises(ConflictError):
        mine.undo()
    assert fresh(db_path).get("FO1").stage is Stage.REVIEW


def test_renaming_an_order_keeps_one_document(board: Board, db_path: Path) -> None:
    board.add_order(OrderDraft("FO1", "jane"))
    board.edit_order("FO1", OrderDraft("FO2", "jane"))
    assert list(on_disk(db_path)) == ["FO2"]


def test_reasons_are_editable(board: Board) -> None:
    board.set_reasons([("late", "Too late"), ("other", "Other")])
    assert board.reasons() == [("late", "Too late"), ("other", "Other")]
    board.add_order(OrderDraft("FO1", "jane"))
    assert board.move("FO1", Move(Stage.REQUESTED, reason="late")).reason == "late"


def test_undo_of_a_rename_never_overwrites_another_sessions_order(db_path: Path) -> None:
    mine, theirs = fresh(db_path), fresh(db_path)
    mine.add_order(OrderDraft("FO1", "alice"))
    mine.edit_order("FO1", OrderDraft("FO9", "alice"))
    theirs.add_order(OrderDraft("FO1", "bob-new"))
    with pytest.raises(ConflictError, match="another FO1"):
        mine.undo()
    assert fresh(db_path).get("FO1").buyer == "bob-new"
    assert fresh(db_path).get("FO9").buyer == "alice"
    # The refused step is dropped: the next undo reaches the step before it.
    assert "FO1" in mine.undo()


def test_a_refused_undo_does_not_block_the_earlier_steps(db_path: Path) -> None:
    mine, theirs = fresh(db_path), fresh(db_path)
    mine.add_general_lesson("keep")
    mine.add_order(OrderDraft("FO1", "jane"))
    mine.move("FO1", Move(Stage.REQUESTED))
    theirs.move("FO1", Move(Stage.REVIEW))
    with pytest.raises(ConflictError, match="dropped from undo"):
        mine.undo()
    with pytest.raises(ConflictError):
        mine.undo()  # "added FO1": FO1 was changed since, also refused and dropped
    assert mine.undo() == "Undone: added a lesson"


def test_duplicate_reason_ids_are_refused(board: Board) -> None:
    with pytest.raises(ValidationError, match="appears twice"):
        board.set_reasons([("other", "Other"), ("Other", "Again")])


def test_summaries_are_the_orders_without_entries_but_with_their_counts(board: Board) -> None:
    board.add_order(OrderDraft(number="FO1", buyer="a"))
    board.add_order(OrderDraft(number="FO2", buyer="b"))
    board.add_entry("FO1", EntryKind.NOTE, "first")
    board.add_entry("FO1", EntryKind.NOTE, "second")
    board.add_entry("FO1", EntryKind.LESSON, "learnt")
    board.add_entry("FO2", EntryKind.MESSAGE, "hi", direction=Direction.FROM_BUYER)
    board.move("FO2", Move(Stage.CLOSED, outcome=Outcome.SAVED))

    open_only = board.summaries()
    assert [(o.number, counts) for o, counts in open_only] == [
        ("FO1", {"note": 2, "message": 0, "lesson": 1})
    ]
    full = {o.number: o for o in board.orders(archived=True)}
    listed = dict((o.number, (o, counts)) for o, counts in board.summaries(archived=True))
    assert listed["FO2"][1] == {"note": 0, "message": 1, "lesson": 0}
    for number, (summary, _) in listed.items():
        assert summary.entries == () and summary.history == ()
        assert summary.to_dict() | {"entries": [], "history": []} == full[number].to_dict() | {
            "entries": [],
            "history": [],
        }


def _with_entries(board: Board) -> None:
    board.add_order(OrderDraft(number="FO1", buyer="a"))
    board.add_entry("FO1", EntryKind.NOTE, "first note")
    board.add_entry("FO1", EntryKind.MESSAGE, "hello", direction=Direction.FROM_BUYER)


def test_lazy_details_read_the_same_order_once_touched(board: Board, db_path: Path) -> None:
    _with_entries(board)
    eager = fresh(db_path).get("FO1")
    lazy_board = fresh(db_path)
    lazy_board.lazy_details = True
    [lazy] = lazy_board.orders()
    assert lazy.__dict__["_entries"].__class__.__name__ == "Stored"  # not converted yet
    assert lazy == eager
    assert [e.text for e in lazy.entries] == ["first note", "hello"]
    assert lazy.history == eager.history
    lazy_board.load_details([lazy])  # nothing damaged: nothing raised


def test_a_damaged_entry_read_lazily_is_a_store_error_naming_file_and_order(
    board: Board, db_path: Path
) -> None:
    _with_entries(board)
    data = json.loads(db_path.read_text())
    for doc in data["orders"].values():
        if isinstance(doc, dict) and doc.get("order") == "FO1":
            del doc["entries"][1]["at"]
    db_path.write_text(json.dumps(data))
    lazy_board = fresh(db_path)
    lazy_board.lazy_details = True
    orders = lazy_board.orders()  # the order's own fields are fine: it reads
    with pytest.raises(StoreError) as caught:
        lazy_board.load_details(orders)
    message = str(caught.value)
    assert str(db_path) in message and "order FO1" in message and "entries" in message
    # Read eagerly, the same file is refused when the order is read.
    with pytest.raises(StoreError, match="order FO1 is damaged"):
        fresh(db_path).orders()


def test_counting_entries_does_not_read_them(board: Board, db_path: Path) -> None:
    _with_entries(board)
    board.add_entry("FO1", EntryKind.LESSON, "ask for files first")
    lazy_board = fresh(db_path)
    lazy_board.lazy_details = True
    [order] = lazy_board.orders()
    counts = {kind: order.count_of(kind) for kind in EntryKind}
    assert order.__dict__["_entries"].__class__.__name__ == "Stored"  # still not read
    assert counts == {kind: len(order.entries_of(kind)) for kind in EntryKind}
    assert counts == {EntryKind.NOTE: 1, EntryKind.MESSAGE: 1, EntryKind.LESSON: 1}


def test_undo_keeps_the_notes_and_messages_added_since_by_another_session(
    db_path: Path,
) -> None:
    # Undoing a move, close or edit put back the whole order as it was: a note the
    # command line had added meanwhile ("added a note", exit 0) was gone.
    mine, theirs = fresh(db_path), fresh(db_path)
    mine.add_order(OrderDraft("FO1", "jane", amount="25"))
    theirs.add_entry("FO1", EntryKind.NOTE, "before")
    mine.move("FO1", Move(Stage.REQUESTED))
    mine.edit_order("FO1", OrderDraft("FO1", "jane", amount="30"))
    mine.move("FO1", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    theirs.add_entry("FO1", EntryKind.NOTE, "while closed")
    theirs.add_entry("FO1", EntryKind.MESSAGE, "buyer wrote", direction=Direction.FROM_BUYER)
    mine.undo()
    mine.undo()
    theirs.add_entry("FO1", EntryKind.NOTE, "after the edit")
    mine.undo()
    order = fresh(db_path).get("FO1")
    assert (order.stage, order.amount_cents) == (Stage.TALK, 2500)
    texts = [entry.text for entry in order.entries]
    assert texts == ["before", "while closed", "buyer wrote", "after the edit"]
    actions = [event.action for event in order.history]
    assert actions.count("undone") == 3 and "note" in actions


def test_an_edit_keeps_details_of_several_lines_unless_they_are_changed(
    board: Board, db_path: Path
) -> None:
    # The form shows them on one line: saving any other field must not flatten them.
    board.add_order(OrderDraft("FO1", "jane"))
    board.move("FO1", Move(Stage.REQUESTED, reason_text="one"))
    data = json.loads(db_path.read_text(encoding="utf-8"))
    next(iter(data["orders"].values()))["reason_text"] = "line one\nline two"
    db_path.write_text(json.dumps(data), encoding="utf-8")
    shown = "line one line two"
    board.edit_order("FO1", OrderDraft("FO1", "jane", gig="Logo", reason_text=shown, ticket=""))
    assert fresh(db_path).get("FO1").reason_text == "line one\nline two"
    board.edit_order("FO1", OrderDraft("FO1", "jane", gig="Logo", reason_text="just one"))
    assert fresh(db_path).get("FO1").reason_text == "just one"
    with pytest.raises(ValidationError, match="at most 80"):
        board.edit_order("FO1", OrderDraft("FO1", "jane", ticket="x" * 81))


def test_lessons_written_in_the_same_second_are_newest_first_too(db_path: Path) -> None:
    # Times are kept to the second: an order's lessons written in one second came oldest
    # first among the newest (the library read 17, 18, 19, 20, then 10, 11, ...).
    board = Board(Store(db_path), clock=lambda: FROZEN)
    board.add_order(OrderDraft("FO1", "ann"))
    for n in range(4):
        board.add_entry("FO1", EntryKind.LESSON, f"lesson {n}")
    texts = [lesson.entry.text for lesson in board.lessons()]
    assert texts == ["lesson 3", "lesson 2", "lesson 1", "lesson 0"]
