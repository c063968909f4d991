"""Closed orders in their own file: routing, crash points between the two writes, migration,
damaged archives, backups, modes, and that open-order work never touches the archive.

Real files in ``tmp_path``. A "kill" between the two writes of a change is simulated by
making the second write raise an exception no one catches (as SIGKILL would stop it).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import stored_orders
from tui import domain
from tui import store as store_module
from tui.board import Board
from tui.cli import main
from tui.domain import EntryKind, Move, OrderDraft, Outcome, Stage
from tui.exchange import read_import
from tui.store import (
    APP,
    ARCHIVE_ROLE,
    ARCHIVED,
    BACKUPS_KEPT,
    META,
    MIGRATIONS,
    ORDERS,
    SCHEMA,
    TO_ARCHIVE,
    ArchiveError,
    Data,
    Store,
    StoreError,
    archive_path_of,
    load_file,
    migrate,
    schema_of,
)

DAY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CLOSE = Move(Stage.CLOSED, outcome=Outcome.SAVED)
REOPEN = Move(Stage.TALK)


class Clock:
    def __init__(self, now: datetime = DAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the store catches it."""


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def file_orders(path: Path) -> dict[str, dict[str, Any]]:
    """One file's orders by number."""
    if not path.exists():
        return {}
    data = orjson.loads(path.read_bytes())
    return {d["order"]: d for d in data[ORDERS].values()}


def ids(path: Path) -> dict[str, str]:
    """Order number -> document id in one file."""
    if not path.exists():
        return {}
    return {d["order"]: k for k, d in orjson.loads(path.read_bytes())[ORDERS].items()}


def index(path: Path) -> list[str]:
    return list(orjson.loads(path.read_bytes())[ARCHIVED]["1"]["orders"])


def seeded(db: Path, *numbers: str) -> Board:
    board = Board(Store(db), clock=Clock())
    for number in numbers:
        board.add_order(OrderDraft(number=number, buyer=f"b_{number.lower()}"))
    return board


@pytest.fixture
def archive(db_path: Path) -> Path:
    return archive_path_of(db_path)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Every file the store reads, in order."""
    seen: list[Path] = []
    real = store_module.read_file

    def spy(path: Path, *, archive: bool = False) -> tuple[bytes, Any] | None:
        seen.append(Path(path))
        return real(path, archive=archive)

    monkeypatch.setattr(store_module, "read_file", spy)
    yield seen


def kill_when_writing(
    monkeypatch: pytest.MonkeyPatch, store: Store, which: Path, *, after: int = 0
) -> None:
    """The process "dies" as it starts writing ``which`` (after ``after`` earlier writes of
    it in the same change)."""
    real = Store._write_atomic
    left = [after]

    def write(self: Store, payload: bytes, previous: Any, **kwargs: Any) -> Any:
        target = kwargs.get("target") or self.path
        if self is store and target == which:
            if left[0] == 0:
                raise Killed
            left[0] -= 1
        return real(self, payload, previous, **kwargs)

    monkeypatch.setattr(Store, "_write_atomic", write)


# ----------------------------------------------------------------------------- layout


def test_the_archive_is_named_after_the_board_file(tmp_path: Path) -> None:
    assert archive_path_of(tmp_path / "board.json") == tmp_path / "board.archive.json"
    assert archive_path_of(tmp_path / "shop") == tmp_path / "shop.archive"
    assert Store(tmp_path / "x.json").archive_path == tmp_path / "x.archive.json"


def test_closing_moves_the_order_to_the_archive_and_reopening_back(
    db_path: Path, archive: Path
) -> None:
    board = seeded(db_path, "FO1", "FO2", "FO3")
    assert not archive.exists()  # no archive until an order is closed
    board.move("FO2", CLOSE)
    assert list(file_orders(db_path)) == ["FO1", "FO3"]
    assert list(file_orders(archive)) == ["FO2"]
    assert file_orders(archive)["FO2"]["stage"] == "closed"
    assert index(db_path) == ["FO2"]
    meta = orjson.loads(archive.read_bytes())[META]["1"]
    assert meta == {"app": APP, "schema": SCHEMA, "role": ARCHIVE_ROLE}
    # The order keeps its document id: merged, the board reads in the order of adding.
    assert ids(archive)["FO2"] == "2"
    assert [o.number for o in board.orders(archived=True)] == ["FO1", "FO2", "FO3"]
    assert [o.number for o in board.orders()] == ["FO1", "FO3"]
    assert board.get("FO2").stage is Stage.CLOSED

    board.move("FO2", REOPEN)
    assert list(file_orders(db_path)) == ["FO1", "FO2", "FO3"]  # back in its place
    assert ids(db_path) == {"FO1": "1", "FO2": "2", "FO3": "3"}
    assert file_orders(archive) == {}
    assert index(db_path) == []
    assert [o.number for o in board.orders()] == ["FO1", "FO2", "FO3"]
    assert not (db_path.parent / ".board.json.reconcile").exists()


def test_new_orders_never_reuse_an_archived_orders_id(db_path: Path, archive: Path) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO2", CLOSE)  # the highest id is now only in the archive
    add = Board(Store(db_path))  # a fresh process: knows the archive only by the index
    add.add_order(OrderDraft(number="FO3", buyer="c"))
    assert ids(db_path) == {"FO1": "1", "FO3": "3"}
    assert ids(archive) == {"FO2": "2"}
    assert [o.number for o in add.orders(archived=True)] == ["FO1", "FO2", "FO3"]


def test_a_note_on_a_closed_order_writes_only_the_archive(db_path: Path, archive: Path) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO2", CLOSE)
    before = db_path.read_bytes(), os.stat(db_path).st_ino
    fingerprint = board.store.fingerprint()
    board.add_entry("FO2", EntryKind.NOTE, "after closing")
    assert (db_path.read_bytes(), os.stat(db_path).st_ino) == before
    assert file_orders(archive)["FO2"]["entries"][0]["text"] == "after closing"
    # An open board polling the fingerprint sees the archive's change.
    assert board.store.fingerprint() != fingerprint
    assert Board(Store(db_path)).get("FO2").entries[0].text == "after closing"


def test_open_order_work_never_reads_or_writes_the_archive(
    db_path: Path, archive: Path, reads: list[Path]
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO2", CLOSE)
    Store(db_path).open()  # today's backups are made (once a day, reading the archive)
    before = archive.read_bytes(), os.stat(archive).st_ino, os.stat(archive).st_mtime_ns
    fresh = Board(Store(db_path), clock=Clock())  # another session, with no cache
    reads.clear()
    fresh.store.open()
    fresh.orders()
    fresh.get("FO1")
    fresh.add_order(OrderDraft(number="FO3", buyer="c"))  # new: the index says not archived
    fresh.add_entry("FO3", EntryKind.NOTE, "n")
    fresh.move("FO1", Move(Stage.REQUESTED, reason="other"))
    fresh.edit_order("FO3", OrderDraft(number="FO4", buyer="d"))
    fresh.add_general_lesson("a lesson")
    fresh.delete_order("FO4")
    fresh.undo()
    with pytest.raises(Exception, match="no order FO9"):
        fresh.get("FO9")
    assert archive not in reads, reads
    assert (archive.read_bytes(), os.stat(archive).st_ino, os.stat(archive).st_mtime_ns) == before


def test_an_archived_number_cannot_be_added_again(db_path: Path) -> None:
    board = seeded(db_path, "FO1")
    board.move("FO1", CLOSE)
    with pytest.raises(Exception, match="FO1 is already on the board"):
        Board(Store(db_path)).add_order(OrderDraft(number="FO1", buyer="x"))


def test_lessons_stats_and_export_include_the_archive(db_path: Path) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.add_entry("FO2", EntryKind.LESSON, "from a closed order")
    board.move("FO2", CLOSE)
    fresh = Board(Store(db_path))
    assert [lesson.entry.text for lesson in fresh.lessons()] == ["from a closed order"]
    from tui.exchange import export_board

    assert "from a closed order" in export_board(fresh, "json")


def test_undo_of_a_close_and_of_a_reopen(db_path: Path, archive: Path) -> None:
    board = seeded(db_path, "FO1")
    board.move("FO1", CLOSE)
    board.undo()
    assert list(file_orders(db_path)) == ["FO1"] and file_orders(archive) == {}
    board.move("FO1", CLOSE)
    board.move("FO1", REOPEN)
    board.undo()
    assert file_orders(db_path) == {} and list(file_orders(archive)) == ["FO1"]
    assert board.get("FO1").stage is Stage.CLOSED


def test_undo_of_a_delete_puts_the_order_back_under_its_id(db_path: Path, archive: Path) -> None:
    # Orders that entered a stage in the same second are shown in the order stored: under
    # a new id, the order brought back came last in its column.
    board = seeded(db_path, "FO1", "FO2", "FO3", "FO4")
    board.move("FO2", CLOSE)
    board.move("FO3", CLOSE)
    board.delete_order("FO1")
    board.delete_order("FO3")  # from the archive
    board.undo()
    board.undo()
    assert ids(db_path) == {"FO1": "1", "FO4": "4"} and ids(archive) == {"FO2": "2", "FO3": "3"}
    assert list(file_orders(archive)) == ["FO2", "FO3"]
    # Once another order holds the id (the newest's, taken by another session's new
    # order), the order comes back under a new one: ids are unique across both files.
    board.delete_order("FO4")
    Board(Store(db_path), clock=Clock()).add_order(OrderDraft("FO5", "b_fo5"))
    board.undo()
    assert ids(db_path) == {"FO1": "1", "FO5": "4", "FO4": "5"}


def test_the_lessons_of_every_order_without_converting_whole_orders(
    db_path: Path, archive: Path
) -> None:
    board = seeded(db_path, "FO1", "FO2", "FO3")
    board.add_entry("FO1", EntryKind.LESSON, "one", tags="#a")
    board.add_entry("FO2", EntryKind.LESSON, "two")
    board.add_entry("FO2", EntryKind.NOTE, "not a lesson")
    board.add_general_lesson("general")
    board.move("FO2", CLOSE)
    fresh = Board(Store(db_path))
    found = fresh.lessons()
    assert found == domain.all_lessons(fresh.orders(archived=True), fresh.general_lessons())
    assert sorted((x.entry.text, x.order or "", x.outcome) for x in found) == [
        ("general", "", None),
        ("one", "FO1", None),
        ("two", "FO2", Outcome.SAVED),
    ]
    # An entry of no known kind (it might be a lesson) is refused, as a whole order is.
    data = orjson.loads(db_path.read_bytes())
    data[ORDERS]["1"]["entries"][0]["kind"] = "LESSON"
    db_path.write_bytes(orjson.dumps(data))
    with pytest.raises(StoreError, match=r"board\.json: order FO1 is damaged \(ValueError"):
        Board(Store(db_path)).lessons()
    with pytest.raises(StoreError, match=r"order FO1 is damaged"):
        Board(Store(db_path)).orders()
    data[ORDERS]["1"]["entries"][0]["kind"] = "lesson"
    db_path.write_bytes(orjson.dumps(data))
    # A damaged lesson in the archive is refused, naming the archive and the order.
    data = orjson.loads(archive.read_bytes())
    data[ORDERS]["2"]["entries"][0]["at"] = "not a time"
    archive.write_bytes(orjson.dumps(data))
    with pytest.raises(ArchiveError, match=r"board\.archive\.json: order FO2 is damaged"):
        Board(Store(db_path)).lessons()


def test_renaming_and_deleting_a_closed_order(db_path: Path, archive: Path) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO2", CLOSE)
    board.edit_order("FO2", OrderDraft(number="FO7", buyer="x"))
    assert list(file_orders(archive)) == ["FO7"] and index(db_path) == ["FO7"]
    board.delete_order("FO7")
    assert file_orders(archive) == {} and index(db_path) == []
    assert [o.number for o in board.orders(archived=True)] == ["FO1"]


def test_another_sessions_close_is_seen(db_path: Path) -> None:
    mine = seeded(db_path, "FO1", "FO2")
    assert [o.number for o in mine.orders()] == ["FO1", "FO2"]
    Board(Store(db_path)).move("FO2", CLOSE)
    assert [o.number for o in mine.orders()] == ["FO1"]
    assert mine.get("FO2").stage is Stage.CLOSED
    mine.add_entry("FO2", EntryKind.NOTE, "seen")  # the transaction re-reads both files
    assert [e.text for e in Board(Store(db_path)).get("FO2").entries] == ["seen"]


def test_import_sends_closed_orders_to_the_archive(
    db_path: Path, archive: Path, tmp_path: Path
) -> None:
    source = seeded(tmp_path / "src" / "board.json", "FOA", "FOB", "FOC")
    source.move("FOB", CLOSE)
    from tui.exchange import export_board

    exported = tmp_path / "export.json"
    exported.write_text(export_board(source, "json"))
    target = Board(Store(db_path), clock=Clock())
    data = read_import(exported, DAY)
    report = target.import_orders(data.orders)
    assert report.added == ("FOA", "FOB", "FOC")
    assert list(file_orders(db_path)) == ["FOA", "FOC"]
    assert list(file_orders(archive)) == ["FOB"]
    assert index(db_path) == ["FOB"]
    assert [o.number for o in target.orders(archived=True)] == ["FOA", "FOB", "FOC"]
    again = target.import_orders(data.orders)
    assert again.unchanged == ("FOA", "FOB", "FOC")


def test_the_archive_snapshot_keeps_a_digest_the_board_snapshot_its_bytes(
    db_path: Path, archive: Path
) -> None:
    # The archive can be tens of MB: its bytes are not kept. The board file's are (a few
    # MB at most), because comparing them is faster than hashing them on every change.
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO1", CLOSE)
    assert board.store.snapshot().check == db_path.read_bytes()
    fresh = Store(db_path)
    assert fresh.snapshot().check == db_path.read_bytes()
    arch = fresh.archive_snapshot()
    assert arch.check == hashlib.sha256(archive.read_bytes()).digest()


# ----------------------------------------------------------------------------- crash points


def test_killed_between_the_writes_of_a_close(
    db_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.add_entry("FO2", EntryKind.NOTE, "kept")
    kill_when_writing(monkeypatch, board.store, db_path)
    with pytest.raises(Killed):
        board.move("FO2", CLOSE)  # the archive was written, the board file not
    monkeypatch.undo()
    marker = db_path.parent / ".board.json.reconcile"
    assert marker.exists()
    # In both files, never in neither.
    assert file_orders(db_path)["FO2"]["stage"] == "talk"
    assert file_orders(archive)["FO2"]["stage"] == "closed"
    # Merged reads take the copy with the higher revision: the close went through.
    fresh = Board(Store(db_path))
    merged = {o.number: o for o in fresh.orders(archived=True)}
    assert list(merged) == ["FO1", "FO2"] and merged["FO2"].stage is Stage.CLOSED
    # The next change (any change) reconciles first.
    fresh.add_entry("FO1", EntryKind.NOTE, "next change")
    assert not marker.exists()
    assert list(file_orders(db_path)) == ["FO1"]
    assert list(file_orders(archive)) == ["FO2"]
    assert index(db_path) == ["FO2"]
    assert [e.text for e in fresh.get("FO2").entries] == ["kept"]


def test_killed_between_the_writes_of_a_reopen(
    db_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO2", CLOSE)
    kill_when_writing(monkeypatch, board.store, archive)
    with pytest.raises(Killed):
        board.move("FO2", REOPEN)  # the board file was written, the archive not
    monkeypatch.undo()
    assert file_orders(db_path)["FO2"]["stage"] == "talk"
    assert file_orders(archive)["FO2"]["stage"] == "closed"
    fresh = Board(Store(db_path))
    assert [o.number for o in fresh.orders()] == ["FO1", "FO2"]  # open view: reopened
    merged = {o.number: o for o in fresh.orders(archived=True)}
    assert merged["FO2"].stage is Stage.TALK  # higher revision wins
    fresh.store.open()  # a start reconciles too
    assert not (db_path.parent / ".board.json.reconcile").exists()
    assert file_orders(archive) == {} and index(db_path) == []
    assert list(file_orders(db_path)) == ["FO1", "FO2"]


def test_killed_after_the_marker_before_any_write(
    db_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = seeded(db_path, "FO1")
    board.move("FO1", CLOSE)
    before = db_path.read_bytes(), archive.read_bytes()
    kill_when_writing(monkeypatch, board.store, db_path)
    # A reopen writes the board file first: killed before it, nothing changed.
    with pytest.raises(Killed):
        board.move("FO1", REOPEN)
    monkeypatch.undo()
    assert (db_path.read_bytes(), archive.read_bytes()) == before
    fresh = Board(Store(db_path))
    fresh.add_general_lesson("next")  # reconciles: nothing out of step
    assert not (db_path.parent / ".board.json.reconcile").exists()
    assert archive.read_bytes() == before[1]
    assert fresh.get("FO1").stage is Stage.CLOSED


def test_a_move_both_ways_in_one_change_is_never_lost(
    db_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One order into the archive and one out in the same change (an import can): three
    writes; killed after each, both orders are still somewhere."""
    for kill_at in range(3):
        folder = db_path.parent / f"case{kill_at}"
        db = folder / "board.json"
        board = seeded(db, "FOIN", "FOOUT")
        board.move("FOOUT", CLOSE)
        store = board.store
        into = board.get("FOIN")
        out = board.get("FOOUT")
        closed = {**into.to_dict(), "stage": "closed", "outcome": "saved", "revision": 9}
        opened = {**out.to_dict(), "stage": "talk", "outcome": None, "revision": 9}
        targets = [archive_path_of(db), db, archive_path_of(db)]
        kill_when_writing(monkeypatch, store, targets[kill_at], after=kill_at // 2)
        with pytest.raises(Killed), store.transaction() as tx:
            tx.put(ORDERS, "order", closed)
            tx.put(ORDERS, "order", opened)
        monkeypatch.undo()
        in_board, in_archive = file_orders(db), file_orders(archive_path_of(db))
        expected = [
            ({"FOIN"}, {"FOOUT"}),  # killed before any write: as it was
            ({"FOIN"}, {"FOIN", "FOOUT"}),  # archive written (moved-out order kept)
            ({"FOOUT"}, {"FOIN", "FOOUT"}),  # board file written, final archive not
        ][kill_at]
        assert (set(in_board), set(in_archive)) == expected, kill_at
        fresh = Board(Store(db))
        fresh.store.open()
        merged = {o.number: o for o in fresh.orders(archived=True)}
        assert set(merged) == {"FOIN", "FOOUT"}
        # What reached a file stays (a change of several orders cut short may be half done;
        # never lost, never in two places).
        stages = [
            (Stage.TALK, Stage.CLOSED),
            (Stage.CLOSED, Stage.CLOSED),
            (Stage.CLOSED, Stage.TALK),
        ][kill_at]
        assert (merged["FOIN"].stage, merged["FOOUT"].stage) == stages, kill_at
        assert not (folder / ".board.json.reconcile").exists()
        in_board, in_archive = file_orders(db), file_orders(archive_path_of(db))
        assert not set(in_board) & set(in_archive), kill_at


def test_a_failed_board_write_after_the_archive_takes_the_archive_back(
    db_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO2", CLOSE)
    before = db_path.read_bytes(), archive.read_bytes()
    real = Store._write_atomic

    def full(self: Store, payload: bytes, previous: Any, **kwargs: Any) -> Any:
        if (kwargs.get("target") or self.path) == self.path:
            raise store_module._os_error(
                self.path, "disk full", OSError(28, "No space"), unchanged=True
            )
        return real(self, payload, previous, **kwargs)

    monkeypatch.setattr(Store, "_write_atomic", full)
    with pytest.raises(StoreError, match="disk full: no space; nothing was written"):
        board.move("FO1", CLOSE)
    monkeypatch.undo()
    assert (db_path.read_bytes(), archive.read_bytes()) == before
    assert not (db_path.parent / ".board.json.reconcile").exists()
    assert Board(Store(db_path)).get("FO1").stage is Stage.TALK


def test_a_failed_final_archive_write_still_keeps_the_change(
    db_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = seeded(db_path, "FO1")
    board.move("FO1", CLOSE)
    real = Store._write_atomic

    def full(self: Store, payload: bytes, previous: Any, **kwargs: Any) -> Any:
        if kwargs.get("target") == self.archive_path:
            raise store_module._os_error(
                self.archive_path, "disk full", OSError(28, "No space"), archive=True
            )
        return real(self, payload, previous, **kwargs)

    monkeypatch.setattr(Store, "_write_atomic", full)
    reopened = board.move("FO1", REOPEN)  # on disk in the board file: acknowledged
    monkeypatch.undo()
    assert file_orders(db_path)["FO1"]["revision"] == reopened.revision
    assert Board(Store(db_path)).get("FO1").stage is Stage.TALK
    assert [o.stage for o in Board(Store(db_path)).orders(archived=True)] == [Stage.TALK]
    board.add_entry("FO1", EntryKind.NOTE, "later")  # reconciles
    assert file_orders(archive) == {}


def test_deleting_after_a_killed_close_does_not_bring_the_order_back(
    db_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    kill_when_writing(monkeypatch, board.store, db_path)
    with pytest.raises(Killed):
        board.move("FO2", CLOSE)
    monkeypatch.undo()
    fresh = Board(Store(db_path))
    fresh.delete_order("FO2")
    assert "FO2" not in stored_orders(db_path)
    assert [o.number for o in Board(Store(db_path)).orders(archived=True)] == ["FO1"]


# ----------------------------------------------------------------------------- closing unread


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Every archive the store reads as JSON, in order."""
    seen: list[Path] = []
    real = store_module.parse_archive

    def spy(raw: bytes, path: Path) -> tuple[Data, int]:
        seen.append(Path(path))
        return real(raw, path)

    monkeypatch.setattr(store_module, "parse_archive", spy)
    yield seen


def recorded_digest(db: Path) -> str | None:
    value = orjson.loads(db.read_bytes())[ARCHIVED]["1"].get("archive_sha256")
    return value if isinstance(value, str) else None


def test_a_close_adds_to_the_archive_without_reading_it(
    db_path: Path, archive: Path, parses: list[Path]
) -> None:
    board = seeded(db_path, "FO1", "FO2", "FO3", "FO4")
    board.move("FO1", CLOSE)  # the first close writes the archive whole, and its digest
    assert recorded_digest(db_path) == hashlib.sha256(archive.read_bytes()).hexdigest()
    parses.clear()
    fresh = Board(Store(db_path), clock=Clock())  # a new session: nothing cached
    fresh.move("FO3", CLOSE)
    fresh.move("FO2", CLOSE)  # a lower id than one archived
    assert parses == []
    raw = archive.read_bytes()
    assert ids(archive) == {"FO1": "1", "FO3": "3", "FO2": "2"}
    assert raw == orjson.dumps(orjson.loads(raw))  # compact, as a whole write makes it
    assert recorded_digest(db_path) == hashlib.sha256(raw).hexdigest()
    assert index(db_path) == ["FO1", "FO2", "FO3"]
    assert list(file_orders(db_path)) == ["FO4"]
    assert not (db_path.parent / ".board.json.reconcile").exists()
    # Read back (by another session): in the order of adding, the closes as made.
    again = Board(Store(db_path))
    assert [o.number for o in again.orders(archived=True)] == ["FO1", "FO2", "FO3", "FO4"]
    assert again.get("FO2").stage is Stage.CLOSED and again.get("FO2").outcome is Outcome.SAVED
    # New orders still never take an archived id; a reopen reads the archive as always.
    again.add_order(OrderDraft(number="FO5", buyer="e"))
    assert ids(db_path) == {"FO4": "4", "FO5": "5"}
    again.move("FO3", REOPEN)
    assert ids(db_path) == {"FO3": "3", "FO4": "4", "FO5": "5"}
    assert ids(archive) == {"FO1": "1", "FO2": "2"}


def test_a_session_that_read_the_archive_keeps_it_without_reading_again(
    db_path: Path, archive: Path, reads: list[Path]
) -> None:
    board = seeded(db_path, "FO1", "FO2", "FO3")
    board.move("FO1", CLOSE)
    assert [o.number for o in board.orders(archived=True)] == ["FO1", "FO2", "FO3"]
    board.move("FO2", CLOSE)
    reads.clear()
    merged = {o.number: o.stage for o in board.orders(archived=True)}
    assert merged == {"FO1": Stage.CLOSED, "FO2": Stage.CLOSED, "FO3": Stage.TALK}
    assert archive not in reads  # the cached archive was brought up to date


def test_an_archive_changed_behind_the_index_is_read_and_written_whole(
    db_path: Path, archive: Path, parses: list[Path]
) -> None:
    board = seeded(db_path, "FO1", "FO2", "FO3")
    board.move("FO1", CLOSE)
    # Edited by hand: the orders table first, indented. Its digest is not the recorded one.
    data = orjson.loads(archive.read_bytes())
    archive.write_bytes(orjson.dumps({ORDERS: data[ORDERS], META: data[META]}, option=2))
    parses.clear()
    fresh = Board(Store(db_path))
    fresh.move("FO2", CLOSE)
    assert parses == [archive]
    raw = archive.read_bytes()
    assert list(orjson.loads(raw)) == [META, ORDERS]  # written whole, the orders table last
    assert raw == orjson.dumps(orjson.loads(raw))
    assert recorded_digest(db_path) == hashlib.sha256(raw).hexdigest()
    parses.clear()
    Board(Store(db_path)).move("FO3", CLOSE)  # and from then on added to again
    assert parses == []
    assert list(file_orders(archive)) == ["FO1", "FO2", "FO3"]


def test_an_id_the_archive_already_holds_is_never_written_over(
    db_path: Path, archive: Path, parses: list[Path]
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO1", CLOSE)
    # A board file edited by hand: FO2 now has the id FO1 has in the archive.
    data = orjson.loads(db_path.read_bytes())
    data[ORDERS] = {"1": data[ORDERS]["2"]}
    db_path.write_bytes(orjson.dumps(data))
    parses.clear()
    Board(Store(db_path)).move("FO2", CLOSE)
    assert parses == [archive]  # not added to the bytes: read, and FO2 given a new id
    assert set(file_orders(archive)) == {"FO1", "FO2"}
    assert ids(archive)["FO1"] == "1" and ids(archive)["FO2"] != "1"


def test_an_archive_put_back_by_hand_never_gets_an_order_twice(
    db_path: Path, archive: Path
) -> None:
    board = seeded(db_path, "FO1", "FO2", "FO3", "FO4")
    board.move("FO4", CLOSE)
    kept = archive.read_bytes()  # a copy of the archive, by hand
    board.delete_order("FO4")  # deleted by mistake, and typed in again (a new id)
    board.add_order(OrderDraft(number="FO4", buyer="retyped"))
    archive.write_bytes(kept)  # the copy put back: FO4 closed in it, open on the board
    # The next close reads the archive whole (not the one recorded) and indexes what it
    # holds, so the close after it does not trust an index that misses FO4.
    Board(Store(db_path), clock=Clock()).move("FO2", CLOSE)
    assert index(db_path) == ["FO2", "FO4"]
    Board(Store(db_path), clock=Clock()).move("FO4", CLOSE)
    numbers = [d["order"] for d in orjson.loads(archive.read_bytes())[ORDERS].values()]
    assert sorted(numbers) == ["FO2", "FO4"]
    assert file_orders(archive)["FO4"]["buyer"] == "retyped"  # the one just closed
    assert list(file_orders(db_path)) == ["FO1", "FO3"]


def test_a_marker_with_nothing_to_reconcile_leaves_the_board_file_as_it_is(
    db_path: Path, archive: Path
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO1", CLOSE)
    marker = db_path.parent / ".board.json.reconcile"
    marker.write_text("killed after both writes")
    before = db_path.read_bytes(), os.stat(db_path).st_ino
    Store(db_path).open()
    assert not marker.exists()
    assert (db_path.read_bytes(), os.stat(db_path).st_ino) == before  # digest kept


def test_several_closes_in_one_change_and_a_look_back_at_them(
    db_path: Path, archive: Path, parses: list[Path]
) -> None:
    board = seeded(db_path, "FO1", "FO2", "FO3", "FO4")
    board.move("FO1", CLOSE)
    store = Store(db_path)
    docs = {o.number: o.to_dict() for o in Board(store).orders()}
    parses.clear()
    with store.transaction() as tx:
        for number in ("FO2", "FO3"):
            tx.put(ORDERS, "order", {**docs[number], "stage": "closed", "outcome": "saved"})
    assert parses == []
    assert list(file_orders(archive)) == ["FO1", "FO2", "FO3"]
    with store.transaction() as tx:
        tx.put(ORDERS, "order", {**docs["FO4"], "stage": "closed", "outcome": "saved"})
        # Asked for in the same change: the archive is read, the close put in as always.
        found = tx.find(ORDERS, "order", "FO4")
        assert found is not None and found["stage"] == "closed"
    assert parses == [archive]
    assert list(file_orders(archive)) == ["FO1", "FO2", "FO3", "FO4"]
    assert index(db_path) == ["FO1", "FO2", "FO3", "FO4"]
    assert file_orders(db_path) == {}


def test_another_sessions_closes_are_read_without_reading_the_archive_again(
    db_path: Path, archive: Path, parses: list[Path]
) -> None:
    # An archive view open while another session closed an order parsed the whole archive
    # again (10,000 orders: ~1 s, +110 MB): now only what the close added is parsed.
    mine = seeded(db_path, "FO1", "FO2", "FO3", "FO4")
    mine.move("FO1", CLOSE)
    first = {o.number: o for o in mine.orders(archived=True)}
    other = Board(Store(db_path), clock=Clock())
    other.move("FO2", CLOSE)
    other.move("FO3", CLOSE)
    parses.clear()
    seen = {o.number: o for o in mine.orders(archived=True)}
    assert parses == []
    assert {n: o.stage for n, o in seen.items()} == {
        "FO1": Stage.CLOSED,
        "FO2": Stage.CLOSED,
        "FO3": Stage.CLOSED,
        "FO4": Stage.TALK,
    }
    assert seen["FO1"] is first["FO1"]  # not converted again either
    # Exactly what reading the file whole finds, and its digest, for the next change.
    cached = mine.store.archive_snapshot()
    assert cached.data == load_file(archive, archive=True).data
    assert cached.check == hashlib.sha256(archive.read_bytes()).digest()
    parses.clear()  # load_file's
    mine.move("FO4", CLOSE)
    assert parses == []
    assert list(file_orders(archive)) == ["FO1", "FO2", "FO3", "FO4"]
    # Written whole by another session (a reopen): read whole.
    other.move("FO2", REOPEN)
    parses.clear()
    assert [o.number for o in mine.orders(archived=True) if o.is_open] == ["FO2"]
    assert parses == [archive]


@pytest.mark.parametrize(
    "added",
    [b",", b'"9":{"order":"FO9"}', b',"9":{"order":"FO9"}},"other":{"1":{}', b',"9":[]'],
)
def test_bytes_added_to_the_archive_that_are_no_close_are_read_whole(
    db_path: Path, archive: Path, parses: list[Path], added: bytes
) -> None:
    # Not an order put in as a close puts it (no comma, a table after the orders, not an
    # object): the archive is read whole, and refused as a whole read refuses it.
    mine = seeded(db_path, "FO1", "FO2")
    mine.move("FO1", CLOSE)
    mine.orders(archived=True)
    raw = archive.read_bytes()
    archive.write_bytes(raw[:-2] + added + b"}}")
    parses.clear()
    with pytest.raises(ArchiveError, match="board.archive.json"):
        mine.orders(archived=True)
    assert parses == [archive]


def test_an_archive_laid_out_by_another_program_is_read_whole_after_an_addition(
    db_path: Path, archive: Path, parses: list[Path]
) -> None:
    # Valid JSON that this program would not write: the meta table repeated after the
    # orders (the last one counts). Bytes added before its last two braces are not orders.
    mine = seeded(db_path, "FO1", "FO2")
    mine.move("FO1", CLOSE)
    data = orjson.loads(archive.read_bytes())
    meta, orders = orjson.dumps(data[META]), orjson.dumps(data[ORDERS])
    edited = b'{"meta":' + meta + b',"orders":' + orders + b',"meta":' + meta + b"}"
    archive.write_bytes(edited)
    assert [o.number for o in mine.orders(archived=True)] == ["FO1", "FO2"]
    archive.write_bytes(edited[:-2] + b',"9":{"order":"FO9"}}}')
    parses.clear()
    assert [o.number for o in mine.orders(archived=True)] == ["FO1", "FO2"]
    assert parses == [archive]
    assert list(mine.store.archive_snapshot().data[META]) == list(data[META]) + ["9"]


def test_orders_added_to_an_empty_orders_table_are_read_alone() -> None:
    # The first order in an empty orders table has no comma before it.
    before = orjson.dumps({META: {"1": {"app": APP, "role": ARCHIVE_ROLE}}, ORDERS: {}})
    sums = hashlib.sha256(before).digest()
    cached = store_module.Snapshot(orjson.loads(before), (1, len(before), 1), SCHEMA, sums)
    assert store_module._grown_orders(before[:-2] + b'"7":{"order":"FO7"}}}', cached) is None
    cached = replace(cached, canonical=True)  # as when read or written by this program
    raw = before[:-2] + b'"7":{"order":"FO7"}}}'
    grown = store_module._grown_orders(raw, cached)
    assert grown == ({"7": {"order": "FO7"}}, hashlib.sha256(raw).digest())
    assert store_module._grown_orders(before[:-2] + b',"7":{"order":"FO7"}}}', cached) is None


def test_killed_between_the_writes_of_a_close_added_unread(
    db_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    board = seeded(db_path, "FO1", "FO2", "FO3")
    board.move("FO1", CLOSE)
    fresh = Board(Store(db_path))
    parses.clear()
    kill_when_writing(monkeypatch, fresh.store, db_path)
    with pytest.raises(Killed):
        fresh.move("FO2", CLOSE)
    monkeypatch.undo()
    assert parses == []
    assert file_orders(db_path)["FO2"]["stage"] == "talk"
    assert file_orders(archive)["FO2"]["stage"] == "closed"
    again = Board(Store(db_path))
    again.store.open()  # reconciles
    assert not (db_path.parent / ".board.json.reconcile").exists()
    assert list(file_orders(db_path)) == ["FO3"]
    assert list(file_orders(archive)) == ["FO1", "FO2"]
    assert index(db_path) == ["FO1", "FO2"]
    again.move("FO3", CLOSE)
    assert list(file_orders(archive)) == ["FO1", "FO2", "FO3"]
    assert index(db_path) == ["FO1", "FO2", "FO3"]


def test_a_failed_board_write_takes_an_added_close_back(
    db_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO1", CLOSE)
    before = db_path.read_bytes(), archive.read_bytes()
    real = Store._write_atomic

    def full(self: Store, payload: Any, previous: Any, **kwargs: Any) -> Any:
        if (kwargs.get("target") or self.path) == self.path:
            raise store_module._os_error(
                self.path, "disk full", OSError(28, "No space"), unchanged=True
            )
        return real(self, payload, previous, **kwargs)

    fresh = Board(Store(db_path))
    parses.clear()
    monkeypatch.setattr(Store, "_write_atomic", full)
    with pytest.raises(StoreError, match="disk full: no space; nothing was written"):
        fresh.move("FO2", CLOSE)
    monkeypatch.undo()
    assert parses == []
    assert (db_path.read_bytes(), archive.read_bytes()) == before
    assert not (db_path.parent / ".board.json.reconcile").exists()
    fresh.move("FO2", CLOSE)  # and the next try goes through
    assert list(file_orders(archive)) == ["FO1", "FO2"]


# ----------------------------------------------------------------------------- migration


def one_file_board(db: Path) -> tuple[bytes, Data]:
    """A schema-1 board (one file) with open and closed orders, written as that version did."""
    board = seeded(db.parent / "v2" / "board.json", "FO1", "FO2", "FO3", "FO4")
    board.move("FO2", CLOSE)
    board.move("FO4", CLOSE)
    orders = {o.number: o.to_dict() for o in board.orders(archived=True)}
    data: Data = {
        META: {"1": {"app": APP, "schema": 1}},
        ORDERS: {str(i): orders[n] for i, n in enumerate(["FO1", "FO2", "FO3", "FO4"], 1)},
        "lessons": {},
    }
    raw = orjson.dumps(data)
    db.write_bytes(raw)
    db.chmod(0o600)
    return raw, data


def test_migration_1_to_2_is_pure(db_path: Path) -> None:
    _, old = one_file_board(db_path)
    kept = copy.deepcopy(old)
    new = MIGRATIONS[1](old)
    assert old == kept
    assert schema_of(new) == 2
    assert [d["order"] for d in new[ORDERS].values()] == ["FO1", "FO3"]
    assert list(new[ORDERS]) == ["1", "3"]
    assert {k: d["order"] for k, d in new[TO_ARCHIVE].items()} == {"2": "FO2", "4": "FO4"}
    assert new[ARCHIVED]["1"] == {"orders": ["FO2", "FO4"], "last_id": 4}
    assert new[META]["1"] == {"app": APP, "schema": 2}
    assert new["lessons"] == {}
    assert migrate({ORDERS: {}})[TO_ARCHIVE] == {}  # 0 -> 1 -> 2


def test_a_one_file_board_is_read_as_is_then_split_on_the_next_write(
    db_path: Path, archive: Path
) -> None:
    raw, _ = one_file_board(db_path)
    store = Store(db_path, clock=Clock())
    board = Board(store)
    assert [o.number for o in board.orders()] == ["FO1", "FO3"]
    assert [o.number for o in board.orders(archived=True)] == ["FO1", "FO2", "FO3", "FO4"]
    assert board.get("FO4").stage is Stage.CLOSED
    assert store.snapshot().schema == 1
    assert db_path.read_bytes() == raw and not archive.exists()  # reading never migrates

    board.add_entry("FO1", EntryKind.NOTE, "after the migration")
    (backup,) = store.backups()
    assert backup.name == "board.json.bak-20261126T120000Z-schema1"
    assert backup.read_bytes() == raw
    assert ids(db_path) == {"FO1": "1", "FO3": "3"}
    assert ids(archive) == {"FO2": "2", "FO4": "4"}
    assert index(db_path) == ["FO2", "FO4"]
    assert schema_of(orjson.loads(db_path.read_bytes())) == SCHEMA
    assert schema_of(orjson.loads(archive.read_bytes())) == SCHEMA
    assert mode_of(archive) == 0o600
    fresh = Board(Store(db_path))
    assert [o.number for o in fresh.orders(archived=True)] == ["FO1", "FO2", "FO3", "FO4"]
    assert fresh.get("FO1").entries[0].text == "after the migration"


def test_a_migration_killed_halfway_is_finished_on_the_next_write(
    db_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, _ = one_file_board(db_path)
    store = Store(db_path, clock=Clock())
    kill_when_writing(monkeypatch, store, db_path)
    with pytest.raises(Killed):
        Board(store).add_entry("FO1", EntryKind.NOTE, "lost with the kill")
    monkeypatch.undo()
    assert db_path.read_bytes() == raw  # still the old one-file board
    assert list(file_orders(archive)) == ["FO2", "FO4"]
    board = Board(Store(db_path, clock=Clock()))
    assert [o.number for o in board.orders(archived=True)] == ["FO1", "FO2", "FO3", "FO4"]
    board.add_entry("FO1", EntryKind.NOTE, "again")
    assert ids(db_path) == {"FO1": "1", "FO3": "3"}
    assert ids(archive) == {"FO2": "2", "FO4": "4"}
    assert not (db_path.parent / ".board.json.reconcile").exists()


# ----------------------------------------------------------------------------- damaged archive

DAMAGE: dict[str, tuple[bytes, str]] = {
    "invalid JSON": (b'{"orders": {"1": ', "not valid JSON"),
    "a JSON list": (b"[1, 2]", "not a Cancelboard archive"),
    "newer schema": (
        orjson.dumps({META: {"1": {"app": APP, "schema": 99, "role": ARCHIVE_ROLE}}, ORDERS: {}}),
        "newer Cancelboard (schema 99",
    ),
    "a board file, not an archive": (
        orjson.dumps({META: {"1": {"app": APP, "schema": 2}}, ORDERS: {}}),
        "not a Cancelboard archive",
    ),
    "another program's file": (b'{"foo": {"1": {}}}', "not a Cancelboard archive"),
}


def damaged_archive(db: Path, case: str) -> tuple[bytes, bytes]:
    board = seeded(db, "FO1", "FO2")
    board.move("FO2", CLOSE)
    Store(db).backup()
    archive_path_of(db).write_bytes(DAMAGE[case][0])
    return db.read_bytes(), archive_path_of(db).read_bytes()


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_archive_stops_only_what_needs_it(
    case: str, db_path: Path, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, damaged = damaged_archive(db_path, case)
    problem = DAMAGE[case][1]
    store = Store(db_path)
    store.open()  # a session starts
    board = Board(store)
    assert [o.number for o in board.orders()] == ["FO1"]
    board.add_entry("FO1", EntryKind.NOTE, "still works")
    board.add_order(OrderDraft(number="FO3", buyer="new"))
    board.move("FO3", Move(Stage.REQUESTED, reason="other"))
    for refused in (
        lambda: board.orders(archived=True),
        lambda: board.get("FO2"),
        lambda: board.move("FO1", CLOSE),
        lambda: board.add_entry("FO2", EntryKind.NOTE, "x"),
        lambda: board.lessons(),
    ):
        with pytest.raises(ArchiveError, match=re.escape(problem)) as caught:
            refused()
        assert str(caught.value).startswith(f"{archive}: ")
    assert archive.read_bytes() == damaged

    code = main(["list", "--db", str(db_path)])
    assert code == 0
    for args in (["list", "--all"], ["move", "FO1", "closed", "--outcome", "saved"], ["stats"]):
        before = db_path.read_bytes()
        capsys.readouterr()
        assert main([*args, "--db", str(db_path)]) == 2, args
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and str(archive) in err[0] and problem in err[0], err
        assert db_path.read_bytes() == before and archive.read_bytes() == damaged


def test_doctor_reports_and_restores_a_damaged_archive(
    db_path: Path, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    board_bytes, damaged = damaged_archive(db_path, "invalid JSON")
    capsys.readouterr()
    assert main(["doctor", "--db", str(db_path)]) == 2
    out = capsys.readouterr().out
    assert "status: ok: schema 2, 1 order (0 closed)" in out
    assert "archive status: DAMAGED: not valid JSON" in out
    assert "archive backups: 1 (1 load)" in out
    assert "doctor --restore" in out
    assert archive.read_bytes() == damaged and db_path.read_bytes() == board_bytes

    assert main(["doctor", "--restore", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "restored board.archive.json.bak-" in out
    (aside,) = Store(db_path).damaged_copies()
    assert aside.name.startswith("board.archive.json.damaged-") and aside.read_bytes() == damaged
    assert [o.number for o in Board(Store(db_path)).orders(archived=True)] == ["FO1", "FO2"]
    assert main(["doctor", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "archive status: ok: schema 2, 1 closed order" in out


def test_a_missing_archive_the_board_lists_is_damaged_not_empty(
    db_path: Path, archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO2", CLOSE)
    Store(db_path).backup()
    archive.rename(tmp_path / "moved-away.json")
    problem = "missing, though the board file lists 1 archived order"
    capsys.readouterr()

    for args in (
        ["add", "FO2", "--buyer", "again"],  # its number is the archived order's
        ["move", "FO1", "closed", "--outcome", "saved"],  # would start a new archive
        ["list", "--all"],
        ["show", "FO2"],
    ):
        before = db_path.read_bytes()
        assert main([*args, "--db", str(db_path)]) == 2, args
        captured = capsys.readouterr()
        err = captured.err.splitlines()
        assert captured.out == "" and len(err) == 1, (args, captured)
        assert err[0].startswith(f"cancelboard: error: {archive}: {problem}"), err
        assert "doctor --restore" in err[0]
        assert db_path.read_bytes() == before and not archive.exists()
    # Open orders still work.
    assert main(["add", "FO3", "--buyer", "new", "--db", str(db_path)]) == 0
    assert main(["list", "--db", str(db_path)]) == 0

    capsys.readouterr()
    assert main(["doctor", "--db", str(db_path)]) == 2
    out = capsys.readouterr().out
    assert f"archive status: DAMAGED: {problem}" in out
    assert "none yet" not in out
    assert "to put back the newest good backup of the archive" in out
    assert main(["doctor", "--restore", "--db", str(db_path)]) == 0
    assert "restored board.archive.json.bak-" in capsys.readouterr().out
    assert [o.number for o in Board(Store(db_path)).orders(archived=True)] == ["FO1", "FO2", "FO3"]
    assert main(["add", "FO2", "--buyer", "again", "--db", str(db_path)]) == 2
    assert "FO2 is already on the board" in capsys.readouterr().err


def test_doctor_on_a_board_without_an_archive(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded(db_path, "FO1")
    assert main(["doctor", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "archive status: none yet" in out
    assert not archive_path_of(db_path).exists()


def test_an_archive_is_not_opened_as_a_board(
    db_path: Path, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    board = seeded(db_path, "FO1")
    board.move("FO1", CLOSE)
    before = archive.read_bytes()
    assert main(["list", "--db", str(archive)]) == 2
    assert "a Cancelboard archive, not a board" in capsys.readouterr().err
    assert archive.read_bytes() == before


def test_restoring_the_board_file_reconciles_with_the_archive(db_path: Path, archive: Path) -> None:
    clock = Clock()
    board = Board(Store(db_path, clock=clock), clock=clock)
    for n in ("FO1", "FO2"):
        board.add_order(OrderDraft(number=n, buyer="b"))
    backup = board.store.backup()  # FO2 open in this backup
    assert backup is not None
    clock.now += timedelta(minutes=1)
    board.move("FO2", CLOSE)  # later: closed (higher revision), in the archive
    db_path.write_bytes(b"{broken")
    board.store.restore(backup)
    # The backup's open FO2 is older than the archive's: the archive's copy stays.
    assert list(file_orders(db_path)) == ["FO1"]
    assert list(file_orders(archive)) == ["FO2"]
    assert index(db_path) == ["FO2"]
    assert Board(Store(db_path)).get("FO2").stage is Stage.CLOSED


# ----------------------------------------------------------------------------- backups


def test_backups_and_daily_backups_cover_the_archive(db_path: Path, archive: Path) -> None:
    clock = Clock()
    store = Store(db_path, clock=clock)
    board = Board(store, clock=clock)
    board.add_order(OrderDraft(number="FO1", buyer="b"))
    board.move("FO1", CLOSE)
    store.open()
    (daily,) = store.archive_backups()
    assert daily.name == "board.archive.json.bak-20261126T120000Z"
    assert daily.read_bytes() == archive.read_bytes() and mode_of(daily) == 0o600
    clock.now += timedelta(days=1)
    store.open()  # unchanged since its newest backup: no second copy
    assert store.archive_backups() == [daily]
    board.add_entry("FO1", EntryKind.NOTE, "changed")
    store.open()
    assert len(store.archive_backups()) == 2
    for i in range(BACKUPS_KEPT + 2):
        clock.now += timedelta(hours=1)
        board.add_entry("FO1", EntryKind.NOTE, f"n{i}")
        store.backup(reason="x")
    assert len(store.archive_backups()) == BACKUPS_KEPT
    assert store.archive_backups()[0].read_bytes() == archive.read_bytes()
    assert len(store.backups()) == BACKUPS_KEPT


def test_the_app_start_leaves_the_archive_backup_for_after_its_paint(
    db_path: Path, archive: Path
) -> None:
    clock = Clock()
    board = seeded(db_path, "FO1")
    board.move("FO1", CLOSE)
    store = Store(db_path, clock=clock)
    store.open(archive_backup=False)
    # The board file's daily backup is made; the archive's is left pending (reading it
    # all to check it would delay the first paint).
    assert len(store.backups()) == 1 and store.archive_backups() == []
    assert store.archive_backup_pending and store.archive_backup_due()
    made = store.daily_archive_backup()
    assert made is not None and store.archive_backups() == [made]
    assert made.read_bytes() == archive.read_bytes() and mode_of(made) == 0o600
    assert not store.archive_backup_due() and store.daily_archive_backup() is None
    clock.now += timedelta(days=1)
    assert not store.archive_backup_due()  # unchanged since its newest backup
    board.add_entry("FO1", EntryKind.NOTE, "changed")
    assert store.archive_backup_due()


def _archive_backup_process(
    db: Path, max_file_blocks: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -P -m tui.archive_backup DB`` as the app runs it; with a limit, on a disk
    that takes no file over that many 512-byte blocks (even for root)."""
    command = [sys.executable, "-P", "-m", "tui.archive_backup", str(db)]
    if max_file_blocks is not None:
        limit = f"trap '' XFSZ; ulimit -f {max_file_blocks}; exec \"$@\""
        command = ["sh", "-c", limit, "sh", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_the_archive_backup_process(db_path: Path, archive: Path) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO1", CLOSE)
    done = _archive_backup_process(db_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    (made,) = Store(db_path).archive_backups()
    assert made.read_bytes() == archive.read_bytes()
    assert _archive_backup_process(db_path).returncode == 0  # not due again today
    assert Store(db_path).archive_backups() == [made]
    # A damaged archive is not backed up (doctor reports it), and that is no failure.
    older = made.with_name("board.archive.json.bak-20000101T000000Z")
    made.rename(older)
    board.move("FO2", CLOSE)
    archive.write_bytes(b'{"orders": ')
    assert Store(db_path).archive_backup_due()
    done = _archive_backup_process(db_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert Store(db_path).archive_backups() == [older]


def test_the_archive_backup_process_says_why_it_failed(db_path: Path, archive: Path) -> None:
    assert _archive_backup_process(db_path).returncode == 0  # no archive: nothing was due
    assert not db_path.parent.joinpath("board.json.lock").exists()  # nor any lock taken
    board = seeded(db_path, "FO1", "FO2", "FO3")
    for number in ("FO1", "FO2", "FO3"):
        board.add_entry(number, EntryKind.NOTE, "a note long enough to fill the archive " * 4)
        board.move(number, CLOSE)
    assert archive.stat().st_size > 512
    done = _archive_backup_process(db_path, max_file_blocks=1)
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"{archive}: cannot write: file too large")
    # Nothing half written left, the archive as it was.
    assert Store(db_path).archive_backups() == []
    assert [p.name for p in db_path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert sorted(file_orders(archive)) == ["FO1", "FO2", "FO3"]


def test_a_damaged_archive_never_pushes_out_a_good_backup(db_path: Path, archive: Path) -> None:
    clock = Clock()
    board = seeded(db_path, "FO1")
    board.move("FO1", CLOSE)
    store = Store(db_path, clock=clock)
    store.open()
    good = store.archive_backups()
    archive.write_bytes(b"{damaged")
    clock.now += timedelta(days=1)
    store.open()  # the session starts; no backup of the damaged archive
    assert store.archive_backups() == good
    with pytest.raises(ArchiveError):
        store.backup()


def test_leftover_temp_files_of_archive_writes_go_too(db_path: Path) -> None:
    board = seeded(db_path, "FO1")
    board.move("FO1", CLOSE)
    leftover = db_path.with_name(".board.json.4242.99.tmp")  # archive temps share the name
    leftover.write_bytes(b"half an archive")
    store = Store(db_path)
    assert store.leftovers() == [leftover]
    store.open()
    assert not leftover.exists()


# ----------------------------------------------------------------------------- modes


def test_the_archive_and_marker_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "new" / "board.json"
    old_umask = os.umask(0)
    try:
        board = seeded(db, "FO1")
        marks: list[int] = []
        real = Store._mark

        def spy(self: Store) -> None:
            real(self)
            marks.append(mode_of(self.marker_path))

        monkeypatch.setattr(Store, "_mark", spy)
        board.move("FO1", CLOSE)
    finally:
        os.umask(old_umask)
    assert mode_of(archive_path_of(db)) == 0o600
    assert marks == [0o600]


def test_a_new_archive_takes_a_shared_boards_mode(db_path: Path, archive: Path) -> None:
    board = seeded(db_path, "FO1", "FO2")
    os.chmod(db_path, 0o640)
    board.move("FO1", CLOSE)
    assert mode_of(archive) == 0o640
    os.chmod(archive, 0o600)  # the archive's own mode is kept from then on
    board.move("FO2", CLOSE)
    assert mode_of(archive) == 0o600 and mode_of(db_path) == 0o640


def test_load_file_checks_without_writing(db_path: Path, archive: Path) -> None:
    board = seeded(db_path, "FO1")
    board.move("FO1", CLOSE)
    names = sorted(p.name for p in db_path.parent.iterdir())
    assert load_file(archive, archive=True).table(ORDERS)[0]["order"] == "FO1"
    with pytest.raises(StoreError, match="a Cancelboard archive, not a board"):
        load_file(archive)
    with pytest.raises(ArchiveError, match="not a Cancelboard archive"):
        load_file(db_path, archive=True)
    assert sorted(p.name for p in db_path.parent.iterdir()) == names


def test_a_folder_or_fifo_where_the_archive_should_be(db_path: Path, archive: Path) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO2", CLOSE)
    archive.unlink()
    archive.mkdir()
    fresh = Board(Store(db_path))
    assert [o.number for o in fresh.orders()] == ["FO1"]
    with pytest.raises(ArchiveError, match="is a folder, not an archive file"):
        fresh.orders(archived=True)
    archive.rmdir()
    os.mkfifo(archive)
    with pytest.raises(ArchiveError, match="not a regular file"):
        Board(Store(db_path)).get("FO2")
    assert stat.S_ISFIFO(os.stat(archive).st_mode)


def test_whether_the_archive_holds_orders_is_known_without_reading_it(
    db_path: Path, archive: Path, reads: list[Path]
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    assert not board.has_archived()
    board.move("FO1", CLOSE)
    fresh = Board(Store(db_path))
    reads.clear()
    assert fresh.has_archived()
    assert archive not in reads  # the board file's index answers
    # No usable index (a hand edit) and an archive that does not load: it still exists.
    data = orjson.loads(db_path.read_bytes())
    del data[ARCHIVED]
    db_path.write_bytes(orjson.dumps(data))
    archive.write_text("not json", encoding="utf-8")
    assert Board(Store(db_path)).has_archived()


def test_a_missing_archive_no_backup_brings_back_can_be_given_up(
    db_path: Path, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # With no archive backup (they are daily), no close could ever be made again, and
    # the errors sent the seller to a --restore that could not restore anything.
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO1", CLOSE)
    archive.unlink()
    capsys.readouterr()
    assert main(["move", "FO2", "closed", "--outcome", "saved", "--db", str(db_path)]) == 2
    err = capsys.readouterr().err
    assert "put it back, or cancelboard doctor --forget-archive gives its orders up" in err
    assert "--restore" not in err
    assert main(["doctor", "--db", str(db_path)]) == 2
    assert "cancelboard doctor --forget-archive" in capsys.readouterr().out
    assert main(["doctor", "--forget-archive", "--db", str(db_path)]) == 0
    said = capsys.readouterr().out
    assert "no longer lists the 1 archived order of the missing archive" in said
    assert main(["move", "FO2", "closed", "--outcome", "saved", "--db", str(db_path)]) == 0
    capsys.readouterr()
    assert main(["list", "--all", "--db", str(db_path)]) == 0
    assert "FO2" in capsys.readouterr().out
    assert main(["doctor", "--db", str(db_path)]) == 0
    # The board file as it was is kept, should the archive turn up.
    assert any("forget-archive" in p.name for p in db_path.parent.iterdir())


def test_a_deleted_board_file_beside_its_archive_is_not_a_new_board(
    db_path: Path, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The open orders were silently gone: list showed the archive, add started afresh.
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO1", CLOSE)
    db_path.unlink()
    capsys.readouterr()
    for args in (["list"], ["list", "--json"], ["add", "FO3", "--buyer", "x"], ["doctor"]):
        assert main([*args, "--db", str(db_path)]) == 2, args
        captured = capsys.readouterr()
        said = captured.err + captured.out
        assert "missing, but its archive board.archive.json shows a board was there" in said
        assert not db_path.exists()
    assert "move board.archive.json away to start a new board" in said
    Store(db_path.with_name("other.json"))  # a board with nothing beside it is new
    assert main(["add", "FO9", "--buyer", "x", "--db", str(db_path.with_name("other.json"))]) == 0


def test_a_new_board_whose_first_write_to_both_files_was_cut_short_opens(
    db_path: Path, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An import of a closed order into a new board writes the archive, then the board
    # file. Killed between the two, the board was refused for good as "missing, but its
    # archive shows a board was there"; another session reading meanwhile was refused too.
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO1", CLOSE)
    db_path.unlink()
    Store(db_path).marker_path.write_text("being written\n")
    capsys.readouterr()
    assert main(["list", "--all", "--db", str(db_path)]) == 0
    assert "FO1" in capsys.readouterr().out
    assert main(["add", "FO3", "--buyer", "x", "--db", str(db_path)]) == 0  # reconciles
    assert db_path.exists() and not Store(db_path).marker_path.exists()


def test_an_archive_a_backup_brings_back_is_not_forgotten(
    db_path: Path, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    board = seeded(db_path, "FO1", "FO2")
    board.move("FO1", CLOSE)
    Store(db_path).backup()
    archive.unlink()
    before = db_path.read_bytes()
    capsys.readouterr()
    assert main(["doctor", "--forget-archive", "--db", str(db_path)]) == 2
    assert "not forgotten: a backup of the archive loads" in capsys.readouterr().out
    assert db_path.read_bytes() == before
    assert main(["doctor", "--restore", "--forget-archive", "--db", str(db_path)]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert main(["doctor", "--restore", "--db", str(db_path)]) == 0
    capsys.readouterr()
    assert main(["list", "--all", "--db", str(db_path)]) == 0
    assert "FO1" in capsys.readouterr().out
