"""The store: transactions, caches, migrations, backups, leftovers and file modes."""

from __future__ import annotations

import copy
import os
import stat
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from tui import store as store_module
from tui.board import Board
from tui.domain import EntryKind, OrderDraft
from tui.store import (
    APP,
    BACKUPS_KEPT,
    META,
    MIGRATIONS,
    ORDERS,
    SCHEMA,
    Data,
    Store,
    StoreError,
    empty_board,
    migrate,
    schema_of,
)

DAY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def add(board: Board, number: str, buyer: str = "bob") -> None:
    board.add_order(OrderDraft(number=number, buyer=buyer))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = DAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# ----------------------------------------------------------------------------- transactions


def test_a_change_is_on_disk_when_the_call_returns(db_path: Path) -> None:
    board = Board(Store(db_path))
    add(board, "FO1")
    data = orjson.loads(db_path.read_bytes())
    assert [d["order"] for d in data[ORDERS].values()] == ["FO1"]
    assert data[META]["1"] == {"app": APP, "schema": SCHEMA}


def test_reading_a_missing_board_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "not" / "here" / "board.json"
    store = Store(path)
    assert store.snapshot().fingerprint is None
    assert store.open().fingerprint is None
    assert not (tmp_path / "not").exists()


def test_an_empty_file_is_an_empty_board(db_path: Path) -> None:
    db_path.touch()
    board = Board(Store(db_path))
    assert board.orders() == []
    add(board, "FO1")
    assert [o.number for o in board.orders()] == ["FO1"]


def test_a_failed_change_writes_nothing_and_leaves_the_cache_alone(db_path: Path) -> None:
    store = Store(db_path)
    add(Board(store), "FO1")
    before = db_path.read_bytes()
    snap = store.snapshot()
    kept = copy.deepcopy(snap.data)
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.put(ORDERS, "order", {"order": "FO1", "buyer": "changed"})
        tx.delete(ORDERS, "order", "FO1")
        raise RuntimeError("the body failed")
    assert db_path.read_bytes() == before
    assert snap.data == kept
    assert store.snapshot().data == kept


def test_snapshots_handed_out_never_change(db_path: Path) -> None:
    store = Store(db_path)
    board = Board(store)
    add(board, "FO1")
    snap = store.snapshot()
    kept = copy.deepcopy(snap.data)
    board.add_entry("FO1", EntryKind.NOTE, "a note")
    add(board, "FO2")
    board.delete_order("FO2")
    assert snap.data == kept
    assert store.snapshot().data != kept


def test_transaction_tables_refuse_in_place_updates(db_path: Path) -> None:
    store = Store(db_path)
    add(Board(store), "FO1")
    with pytest.raises(TypeError, match="Tx.put"), store.transaction() as tx:
        tx.table(ORDERS).update({"buyer": "x"})
    assert store.snapshot().table(ORDERS)[0]["buyer"] == "bob"


def test_find_sees_the_transactions_own_changes(db_path: Path) -> None:
    store = Store(db_path)
    with store.transaction() as tx:
        assert tx.find(ORDERS, "order", "FO1") is None
        tx.put(ORDERS, "order", {"order": "FO1", "buyer": "a"})
        found = tx.find(ORDERS, "order", "FO1")
        assert found is not None and found["buyer"] == "a"
        tx.put(ORDERS, "order", {"order": "FO1", "buyer": "b"})
        again = tx.find(ORDERS, "order", "FO1")
        assert again is not None and again["buyer"] == "b" and again.doc_id == found.doc_id
        tx.put(ORDERS, "order", {"order": "FO2", "buyer": "c"})
        assert tx.find(ORDERS, "order", "FO2") is not None
        assert tx.delete(ORDERS, "order", "FO1")
        assert tx.find(ORDERS, "order", "FO1") is None
        assert tx.find(ORDERS, "order", ["unhashable"]) is None
    assert [d["order"] for d in store.snapshot().table(ORDERS)] == ["FO2"]


def test_put_delete_and_tinydb_inserts_mix_in_one_transaction(db_path: Path) -> None:
    store = Store(db_path)
    with store.transaction() as tx:
        for i in range(5):
            tx.put(ORDERS, "order", {"order": f"FO{i}"})
    snap = store.snapshot()
    with store.transaction() as tx:
        tx.put(ORDERS, "order", {"order": "FO5"})
        tx.table(ORDERS).insert({"order": "FO6"})
        tx.put(ORDERS, "order", {"order": "FO7"})
        assert tx.delete(ORDERS, "order", "FO7")
        tx.put(ORDERS, "order", {"order": "FO8"})
        tx.put(ORDERS, "order", {"order": "FO0", "buyer": "replaced"})
        assert tx.delete(ORDERS, "order", "FO2")
        tx.table(ORDERS).insert({"order": "FO9"})
        for n in ("FO0", "FO1", "FO3", "FO4", "FO5", "FO6", "FO8", "FO9"):
            assert tx.find(ORDERS, "order", n) is not None, n
        for n in ("FO2", "FO7"):
            assert tx.find(ORDERS, "order", n) is None, n
    assert len(snap.table(ORDERS)) == 5  # the snapshot from before is as it was
    table = orjson.loads(db_path.read_bytes())[ORDERS]
    numbers = sorted(d["order"] for d in table.values())
    assert numbers == ["FO0", "FO1", "FO3", "FO4", "FO5", "FO6", "FO8", "FO9"]
    assert table["1"] == {"order": "FO0", "buyer": "replaced"}


def test_a_big_import_in_one_transaction_is_not_quadratic(db_path: Path) -> None:
    store = Store(db_path)
    started = time.perf_counter()
    with store.transaction() as tx:
        for i in range(20_000):
            tx.put(ORDERS, "order", {"order": f"FO{i}"})
            assert tx.find(ORDERS, "order", f"FO{i}") is not None
    assert time.perf_counter() - started < 5
    assert len(store.snapshot().table(ORDERS)) == 20_000


def test_nested_transactions_are_refused(db_path: Path) -> None:
    store = Store(db_path)
    with store.transaction(), pytest.raises(RuntimeError, match="already open"):
        with store.transaction():
            pass


def test_a_stale_cache_is_never_written_back(db_path: Path) -> None:
    """Even if the file's fingerprint fooled us (same inode, size and mtime), no update is lost."""
    mine, other = Store(db_path), Store(db_path)
    add(Board(mine), "FO1")
    stuck = mine.snapshot().fingerprint
    mine.fingerprint = lambda: stuck  # type: ignore[method-assign]
    add(Board(other), "FO2")
    assert [d["order"] for d in mine.snapshot().table(ORDERS)] == ["FO1"]  # the stale read
    add(Board(mine), "FO3")
    numbers = [d["order"] for d in orjson.loads(db_path.read_bytes())[ORDERS].values()]
    assert numbers == ["FO1", "FO2", "FO3"]


def test_every_write_changes_the_fingerprint(db_path: Path) -> None:
    store = Store(db_path)
    seen = set()
    with store.transaction() as tx:
        tx.put(ORDERS, "order", {"order": "FO1", "n": 0})
    for i in range(40):
        with store.transaction() as tx:
            # Same size every time: only the mtime can tell the versions apart.
            tx.put(ORDERS, "order", {"order": "FO1", "n": i % 10})
        seen.add(Store(db_path).fingerprint())
    assert len(seen) == 40


def test_unchanged_documents_are_shared_after_another_sessions_change(db_path: Path) -> None:
    mine = Store(db_path)
    board = Board(mine)
    for n in ("FO1", "FO2", "FO3"):
        add(board, n)
    before = {d["order"]: d for d in mine.snapshot().table(ORDERS)}
    Board(Store(db_path)).add_entry("FO2", EntryKind.NOTE, "from elsewhere")
    after = {d["order"]: d for d in mine.snapshot().table(ORDERS)}
    assert after["FO1"] is before["FO1"] and after["FO3"] is before["FO3"]
    assert after["FO2"] is not before["FO2"]
    assert after["FO2"]["entries"][0]["text"] == "from elsewhere"


def test_lookups_stay_right_across_transactions_failed_ones_and_other_sessions(
    db_path: Path,
) -> None:
    # Lookup indexes outlive a transaction (for the tables it leaves cached): a failed
    # transaction, another session's write and a removal must each leave lookups right.
    mine, other = Store(db_path), Store(db_path)
    with mine.transaction() as tx:
        for n in ("FO1", "FO2"):
            tx.put(ORDERS, "order", {"order": n})
    with mine.transaction() as tx:
        assert tx.find(ORDERS, "order", "FO1") is not None  # builds the index
    with pytest.raises(KeyError), mine.transaction() as tx:
        tx.put(ORDERS, "order", {"order": "FO3"})  # a new order: added to an index
        assert tx.find(ORDERS, "order", "FO3") is not None
        raise KeyError("the change fails")
    with mine.transaction() as tx:
        assert tx.find(ORDERS, "order", "FO3") is None  # never written, never found
        assert tx.find(ORDERS, "order", "FO2") is not None
    with other.transaction() as tx:
        tx.delete(ORDERS, "order", "FO1")
        tx.put(ORDERS, "order", {"order": "FO4"})
    with mine.transaction() as tx:
        assert tx.find(ORDERS, "order", "FO1") is None
        found = tx.find(ORDERS, "order", "FO4")
        assert found is not None
        tx.put(ORDERS, "order", {"order": "FO4", "seen": True})
    table = orjson.loads(db_path.read_bytes())[ORDERS]
    assert [d["order"] for d in table.values()] == ["FO2", "FO4"]
    assert table[str(found.doc_id)] == {"order": "FO4", "seen": True}


def test_a_warmed_session_serialises_only_the_documents_a_change_made(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(db_path)
    board = Board(store)
    for n in ("FO1", "FO2", "FO3"):
        add(board, n)
    dumped: list[object] = []
    real = orjson.dumps

    def counting(value: object, *args: object, **kwargs: object) -> bytes:
        dumped.append(value)
        return real(value, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.orjson, "dumps", counting)

    def orders_dumped() -> list[str]:
        found = [v["order"] for v in dumped if isinstance(v, dict) and "order" in v]
        dumped.clear()
        return found

    # Not warmed (a command line call): the whole board at once, as one value.
    board.add_entry("FO1", EntryKind.NOTE, "one change")
    assert orders_dumped() == []
    store.warm()
    assert sorted(orders_dumped()) == ["FO1", "FO2", "FO3"]
    board.add_entry("FO2", EntryKind.NOTE, "only this order changes")
    assert orders_dumped() == ["FO2"]
    on_disk = orjson.loads(db_path.read_bytes())
    assert on_disk == store.snapshot().data
    assert [d["order"] for d in on_disk[ORDERS].values()] == ["FO1", "FO2", "FO3"]
    assert on_disk[ORDERS]["2"]["entries"][0]["text"] == "only this order changes"
    # Another session's change: only its order is new here.
    Board(Store(db_path)).add_entry("FO3", EntryKind.NOTE, "from elsewhere")
    board.add_entry("FO1", EntryKind.NOTE, "and mine")
    assert sorted(orders_dumped()) == ["FO1", "FO3"]
    on_disk = orjson.loads(db_path.read_bytes())
    assert [len(d["entries"]) for d in on_disk[ORDERS].values()] == [2, 1, 1]


def test_threads_writing_and_reading_at_once_lose_nothing(db_path: Path) -> None:
    store = Store(db_path)
    board = Board(store)
    add(board, "FO1")
    other = Board(Store(db_path))  # a second session in the same process
    errors: list[BaseException] = []
    done = threading.Event()

    def write(service: Board, name: str) -> None:
        try:
            for i in range(25):
                service.add_entry("FO1", EntryKind.NOTE, f"{name}-{i}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    def read() -> None:
        try:
            while not done.is_set():
                for order in board.orders():
                    assert order.number == "FO1"
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    writers = [
        threading.Thread(target=write, args=(service, f"t{i}"))
        for i, service in enumerate((board, board, other, other))
    ]
    reader = threading.Thread(target=read)
    reader.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    reader.join()
    assert errors == []
    texts = [e.text for e in Board(Store(db_path)).get("FO1").entries]
    assert sorted(texts) == sorted(f"t{i}-{j}" for i in range(4) for j in range(25))


# ----------------------------------------------------------------------------- migrations


def test_migration_0_to_1_is_pure() -> None:
    old: Data = {ORDERS: {"1": {"order": "FO1", "buyer": "bob"}}}
    kept = copy.deepcopy(old)
    new = MIGRATIONS[0](old)
    assert old == kept
    assert schema_of(new) == 1
    assert new[ORDERS] == old[ORDERS]
    assert new[META]["1"]["app"] == APP


def test_migrate_chains_pure_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    def one_to_two(data: Data) -> Data:
        return {**data, META: {"1": {"app": APP, "schema": 2}}, "extra": {}}

    def two_to_three(data: Data) -> Data:
        return {**data, META: {"1": {"app": APP, "schema": 3}}}

    monkeypatch.setattr(store_module, "SCHEMA", 3)
    monkeypatch.setitem(MIGRATIONS, 1, one_to_two)
    monkeypatch.setitem(MIGRATIONS, 2, two_to_three)
    old: Data = {ORDERS: {}}
    kept = copy.deepcopy(old)
    new = migrate(old)
    assert old == kept
    assert schema_of(new) == 3 and "extra" in new
    assert migrate(new) == new


def test_a_migration_that_does_not_advance_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MIGRATIONS, 0, lambda data: dict(data))
    with pytest.raises(ValueError, match="did not advance"):
        migrate({ORDERS: {}})


def test_an_old_file_is_backed_up_then_migrated_on_the_next_write(db_path: Path) -> None:
    old = orjson.dumps(
        {
            ORDERS: {
                "1": Board(Store(db_path))
                .add_order(OrderDraft(number="FO1", buyer="bob"))
                .to_dict()
            }
        }
    )
    db_path.unlink()
    db_path.write_bytes(old)
    store = Store(db_path, clock=Clock())
    board = Board(store)
    assert [o.number for o in board.orders()] == ["FO1"]
    assert store.snapshot().schema == 0
    assert db_path.read_bytes() == old  # reading never migrates the file
    board.add_entry("FO1", EntryKind.NOTE, "after the migration")
    (backup,) = store.backups()
    assert backup.name == "board.json.bak-20261126T120000Z-schema0"
    assert backup.read_bytes() == old
    assert mode_of(backup) == 0o600
    data = orjson.loads(db_path.read_bytes())
    assert schema_of(data) == SCHEMA
    assert data[ORDERS]["1"]["entries"][0]["text"] == "after the migration"


# ----------------------------------------------------------------------------- backups


def test_backups_keep_the_last_few(db_path: Path) -> None:
    clock = Clock()
    store = Store(db_path, clock=clock)
    board = Board(store)
    add(board, "FO1")
    made = []
    for i in range(BACKUPS_KEPT + 3):
        clock.now = DAY + timedelta(hours=i)
        board.add_entry("FO1", EntryKind.NOTE, f"n{i}")
        made.append(store.backup())
    assert store.backups() == list(reversed(made))[:BACKUPS_KEPT]
    assert all(mode_of(p) == 0o600 for p in store.backups())
    # The newest backup holds the newest state.
    assert store.backups()[0].read_bytes() == db_path.read_bytes()


def test_two_backups_in_one_second_do_not_overwrite_each_other(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    board = Board(store)
    add(board, "FO1")
    first = store.backup()
    board.add_entry("FO1", EntryKind.NOTE, "more")
    second = store.backup()
    assert first != second and first is not None and second is not None
    assert first.read_bytes() != second.read_bytes()
    assert store.backups()[0] == second


def test_daily_backup_once_a_day_when_the_board_opens(db_path: Path) -> None:
    clock = Clock()
    store = Store(db_path, clock=clock)
    add(Board(store), "FO1")
    store.open()
    assert len(store.backups()) == 1
    clock.now += timedelta(hours=5)
    store.open()
    assert store.daily_backup() is None
    assert len(store.backups()) == 1
    clock.now += timedelta(days=1)
    Store(db_path, clock=clock).open()
    assert len(store.backups()) == 2


def test_no_backup_of_a_missing_or_damaged_board(db_path: Path) -> None:
    store = Store(db_path)
    assert store.backup() is None
    assert store.daily_backup() is None
    db_path.write_bytes(b"{damaged")
    with pytest.raises(StoreError):
        store.backup()
    with pytest.raises(StoreError):
        store.daily_backup()
    assert store.backups() == []


def test_restore_keeps_the_damaged_file_aside(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    add(Board(store), "FO1")
    backup = store.backup()
    assert backup is not None
    db_path.write_bytes(b"\x00garbage")
    os.chmod(db_path, 0o640)
    aside = store.restore(backup)
    assert aside is not None and aside.name == "board.json.damaged-20261126T120000Z"
    assert aside.read_bytes() == b"\x00garbage"
    assert db_path.read_bytes() == backup.read_bytes()
    assert mode_of(db_path) == 0o640
    assert [o.number for o in Board(Store(db_path)).orders()] == ["FO1"]


def test_restore_refuses_a_backup_that_does_not_load(db_path: Path, tmp_path: Path) -> None:
    db_path.write_bytes(b"{bad")
    bad = tmp_path / "board.json.bak-20261125T000000Z"
    bad.write_bytes(b"[1, 2]")
    with pytest.raises(StoreError, match="not a Cancelboard board"):
        Store(db_path).restore(bad)
    assert db_path.read_bytes() == b"{bad"


# ----------------------------------------------------------------------------- leftovers


def test_leftover_temp_files_go_on_the_next_open_or_write(db_path: Path) -> None:
    add(Board(Store(db_path)), "FO1")
    leftover = db_path.with_name(".board.json.4242.123.tmp")
    leftover.write_bytes(b"half a boa")
    store = Store(db_path)
    store.snapshot()
    assert leftover.exists()  # reading alone never deletes anything
    assert store.leftovers() == [leftover]
    store.open()
    assert not leftover.exists()
    leftover.write_bytes(b"half a boa")
    add(Board(Store(db_path)), "FO2")
    assert not leftover.exists()


# ----------------------------------------------------------------------------- privacy


def test_created_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "board.json"
    old_umask = os.umask(0)  # even a permissive umask must not widen our modes
    try:
        store = Store(path, clock=Clock())
        add(Board(store), "FO1")
        backup = store.backup()
    finally:
        os.umask(old_umask)
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700
    assert mode_of(store.lock_path) == 0o600
    assert backup is not None and mode_of(backup) == 0o600


def test_a_restrictive_umask_still_leaves_the_folder_usable(tmp_path: Path) -> None:
    path = tmp_path / "made" / "board.json"
    old_umask = os.umask(0o277)
    try:
        add(Board(Store(path)), "FO1")
    finally:
        os.umask(old_umask)
    assert mode_of(path.parent) == 0o700
    assert mode_of(path) == 0o600


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o750)
    add(Board(Store(folder / "board.json")), "FO1")
    assert mode_of(folder) == 0o750


def test_an_existing_files_mode_and_group_survive_atomic_replaces(db_path: Path) -> None:
    board = Board(Store(db_path))
    add(board, "FO1")
    os.chmod(db_path, 0o640)
    group = 4242 if os.geteuid() == 0 else os.getegid()
    if os.geteuid() == 0:
        os.chown(db_path, -1, group)
    inode = os.stat(db_path).st_ino
    for i in range(3):
        board.add_entry("FO1", EntryKind.NOTE, f"n{i}")
    assert os.stat(db_path).st_ino != inode  # really replaced
    assert mode_of(db_path) == 0o640
    assert os.stat(db_path).st_gid == group


def test_a_symlinked_board_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real" / "board.json"
    real.parent.mkdir()
    link = tmp_path / "board.json"
    link.symlink_to(real)
    add(Board(Store(link)), "FO1")
    assert link.is_symlink()
    assert orjson.loads(real.read_bytes())[ORDERS]["1"]["order"] == "FO1"
    assert (real.parent / "board.json.lock").exists()


def test_empty_board_has_the_current_schema() -> None:
    assert schema_of(empty_board()) == SCHEMA
