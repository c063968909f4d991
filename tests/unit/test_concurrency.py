"""Many processes on one board file: no lost updates, no corrupt file, kills survived.

Real processes on a real file in ``tmp_path``:

- **Stress**: 8 CLI writers (each runs ``cancelboard note|add`` again and again) and two
  "open boards" (processes holding a Board, reading snapshots and moving an order with the
  revision they last saw, as the TUI does) all change one file at once. Afterwards every
  acknowledged change is there, once; refused stale moves are refused, not lost.
  Default: 8 x 25 CLI changes. ``CANCELBOARD_STRESS=full``: 8 x 100 (the issue's figure).
- **Kill**: a child loops ``Board.add_entry`` and prints each change once the call returned;
  it is killed with SIGKILL at random moments, 30 times: the file always loads and holds
  everything the child reported.

Figures are printed (``pytest -s``) and, with ``CANCELBOARD_STRESS_REPORT=FILE``, written
as JSON.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from tui import domain
from tui.board import Board
from tui.domain import EntryKind, Move, OrderDraft, Outcome, Stage
from tui.store import ORDERS, Store, StoreError, archive_path_of

FULL = os.environ.get("CANCELBOARD_STRESS") == "full"
CLI_WRITERS = 8
CLI_CHANGES = 100 if FULL else 25
BOARD_CHANGES = 100 if FULL else 25
KILLS = 30
CANCELBOARD = [sys.executable, "-m", "tui"]


def report(name: str, figures: dict[str, Any]) -> None:
    print(f"\n{name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    target = os.environ.get("CANCELBOARD_STRESS_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps({"test": name, **figures}) + "\n")


def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    duplicated = [k for k, n in Counter(keys).items() if n > 1]
    assert not duplicated, f"duplicate keys in the file: {duplicated}"
    return dict(pairs)


def load_strictly(path: Path) -> dict[str, Any]:
    """The file as JSON, refusing duplicate keys (which a lenient parser would hide)."""
    data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=no_duplicate_keys)
    assert isinstance(data, dict)
    return data


def kill_a_writer(script: str, db: Path, round_: int, rng: random.Random) -> list[str]:
    """Run a writer ``script`` on ``db``, SIGKILL it at a random moment once it is ready,
    and return the lines it printed in full. SIGKILL can land in the middle of a print,
    leaving a cut last line (seen in CI: "note" without its text), which reports nothing."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(db), str(round_)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "ready\n"
    time.sleep(rng.uniform(0.01, 0.4))
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return out.split("\n")[:-1]


# ----------------------------------------------------------------------------- stress

OPEN_BOARD = r"""
import sys
from tui.board import Board, ConflictError
from tui.domain import EntryKind, Initiator, Move, Stage
from tui.store import Store

path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
board = Board(Store(path))
for i in range(count):
    board.orders()  # what the screen shows
    order = board.get("FOBOARD")  # as drawn, with its revision
    if order.stage is Stage.TALK:
        move = Move(Stage.REQUESTED, reason="other", initiator=Initiator.ME)
    else:
        move = Move(Stage.TALK)
    try:
        new = board.move("FOBOARD", move, revision=order.revision)
        print(f"moved {new.revision}", flush=True)
    except ConflictError:
        print("conflict", flush=True)
    text = f"{name}-{i}"
    board.add_entry("FOBOARD", EntryKind.NOTE, text)
    print(f"note {text}", flush=True)
"""


def cli_writer(db: Path, writer: int, count: int, acked: list[str], failed: list[str]) -> None:
    """One CLI writer: ``count`` changes, one process each; notes shared and own, new orders."""
    env = dict(os.environ, CANCELBOARD_DB=str(db))
    for j in range(count):
        text = f"w{writer}-{j}"
        if j % 5 == 4:
            args = ["add", f"FOW{writer}X{j}", "--buyer", text]
        elif j % 2:
            args = ["note", f"FOW{writer}", text]
        else:
            args = ["note", "FOSHARED", text]
        result = subprocess.run(
            [*CANCELBOARD, *args], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            acked.append(" ".join(args[:2]) + " " + text)
        else:
            failed.append(f"{args}: {result.stderr.strip()}")


def test_many_processes_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "board.json"
    board = Board(Store(db))
    for number in ["FOSHARED", "FOBOARD", *(f"FOW{i}" for i in range(CLI_WRITERS))]:
        board.add_order(OrderDraft(number=number, buyer="buyer"))

    started = time.monotonic()
    open_boards = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_BOARD, str(db), f"b{k}", str(BOARD_CHANGES)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(2)
    ]
    acked: list[list[str]] = [[] for _ in range(CLI_WRITERS)]
    failed: list[str] = []
    writers = [
        threading.Thread(target=cli_writer, args=(db, i, CLI_CHANGES, acked[i], failed))
        for i in range(CLI_WRITERS)
    ]
    for t in writers:
        t.start()
    # Watch the file while they write: it must always load, whole.
    loads = 0
    while any(t.is_alive() for t in writers):
        snap = Store(db).snapshot()
        assert ORDERS in snap.data
        loads += 1
        time.sleep(0.05)
    for t in writers:
        t.join()
    outputs = [p.communicate(timeout=120) for p in open_boards]
    elapsed = time.monotonic() - started
    assert failed == []
    for p, (_, err) in zip(open_boards, outputs, strict=True):
        assert p.returncode == 0, err

    data = load_strictly(db)  # valid JSON, no duplicate document ids
    orders = {doc["order"]: doc for doc in data[ORDERS].values()}
    assert len(orders) == len(data[ORDERS]), "an order number is on the board twice"
    entry_ids = [e["id"] for doc in orders.values() for e in doc.get("entries", [])]
    assert len(entry_ids) == len(set(entry_ids)), "an entry id is on the board twice"
    Board(Store(db)).orders(archived=True)  # every order converts

    def notes(number: str) -> list[str]:
        return [e["text"] for e in orders[number].get("entries", [])]

    attempted = lost = 0
    for writer in range(CLI_WRITERS):
        for change in acked[writer]:
            attempted += 1
            command, number, text = change.split(" ")
            if command == "add":
                present = number in orders and orders[number]["buyer"] == text
            else:
                present = notes(number).count(text) == 1
            lost += not present
    board_notes = [
        line[5:] for out, _ in outputs for line in out.splitlines() if line[:5] == "note "
    ]
    moves = [line for out, _ in outputs for line in out.splitlines() if line.startswith("moved")]
    conflicts = sum(out.count("conflict\n") for out, _ in outputs)
    attempted += len(board_notes) + len(moves)
    lost += sum(notes("FOBOARD").count(text) != 1 for text in board_notes)
    # Every acknowledged move raised the revision by one: none was overwritten.
    revision = orders["FOBOARD"]["revision"]
    lost += max(0, 1 + len(moves) - revision)
    assert revision == 1 + len(moves)
    assert sorted(int(m.split()[1]) for m in moves) == list(range(2, revision + 1))
    leftovers = list(tmp_path.glob(".board.json.*.tmp"))

    report(
        "stress",
        {
            "cli_writers": CLI_WRITERS,
            "cli_changes_each": CLI_CHANGES,
            "open_boards": 2,
            "open_board_rounds_each": BOARD_CHANGES,
            "changes_acknowledged": attempted,
            "lost": lost,
            "corrupt_reads": 0,
            "reads_while_writing": loads,
            "stale_moves_refused": conflicts,
            "seconds": round(elapsed, 1),
        },
    )
    assert lost == 0
    assert attempted == CLI_WRITERS * CLI_CHANGES + 2 * BOARD_CHANGES + len(moves)
    assert leftovers == []


# ----------------------------------------------------------------------------- kills

KILLED_WRITER = r"""
import sys
from tui.board import Board
from tui.domain import EntryKind
from tui.store import Store

path, round_ = sys.argv[1], sys.argv[2]
board = Board(Store(path))
print("ready", flush=True)
i = 0
while True:
    text = f"r{round_}-{i}"
    board.add_entry("FOKILL", EntryKind.NOTE, text)
    print(text, flush=True)  # only once the change is on disk
    i += 1
"""


def test_killed_writers_lose_nothing_acknowledged(tmp_path: Path) -> None:
    db = tmp_path / "board.json"
    board = Board(Store(db))
    board.add_order(OrderDraft(number="FOKILL", buyer="buyer"))
    # Some bulk, so a write takes long enough to be killed in the middle of.
    now = domain.utcnow()
    with Store(db).transaction() as tx:
        for i in range(300):
            draft = OrderDraft(number=f"FOBULK{i}", buyer="b" * 50, gig="g" * 200)
            tx.table(ORDERS).insert(domain.new_order(draft, now).to_dict())
    rng = random.Random(int(os.environ.get("CANCELBOARD_KILL_SEED", "3")))
    reported: list[str] = []
    mid_write = 0
    for round_ in range(KILLS):
        reported.extend(kill_a_writer(KILLED_WRITER, db, round_, rng))
        mid_write += bool(list(tmp_path.glob(".board.json.*.tmp")))
        # The file loads, whole, and holds every change the child reported done.
        data = load_strictly(db)
        texts = {e["text"] for doc in data[ORDERS].values() for e in doc.get("entries", [])}
        missing = [t for t in reported if t not in texts]
        assert missing == [], f"round {round_}: lost {missing}"
        assert len(texts) >= len(reported)
    Board(Store(db)).orders(archived=True)
    Store(db).open()
    assert list(tmp_path.glob(".board.json.*.tmp")) == []  # leftovers cleaned on open
    report(
        "kill",
        {
            "kills": KILLS,
            "kills_survived": KILLS,
            "kills_that_left_a_temp_file": mid_write,
            "changes_reported_done": len(reported),
            "lost": 0,
        },
    )


MOVING_WRITER = r"""
import sys
from tui.board import Board
from tui.domain import EntryKind, Move, Outcome, Stage
from tui.store import Store

path, round_ = sys.argv[1], sys.argv[2]
board = Board(Store(path))
print("ready", flush=True)
i = 0
while True:
    text = f"r{round_}-{i}"
    board.add_entry("FOKILL", EntryKind.NOTE, text)  # an open order: the board file only
    print("note", text, flush=True)
    board.add_entry("FOARCH", EntryKind.NOTE, text)  # a closed order: the archive only
    print("arch", text, flush=True)
    order = board.get("FOMOVE")  # back and forth between the files: both written
    if order.stage is Stage.CLOSED:
        new = board.move("FOMOVE", Move(Stage.TALK))
    else:
        new = board.move("FOMOVE", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    print("move", new.revision, new.stage.value, flush=True)
    i += 1
"""


def test_killed_writers_moving_orders_between_files_lose_nothing(tmp_path: Path) -> None:
    """Kills while orders are closed, reopened and noted in the archive: every reported
    change is on disk, each file loads, and no order is ever in neither file."""
    db = tmp_path / "board.json"
    archive = archive_path_of(db)
    marker = tmp_path / ".board.json.reconcile"
    board = Board(Store(db))
    for number in ("FOKILL", "FOARCH", "FOMOVE"):
        board.add_order(OrderDraft(number=number, buyer="buyer"))
    board.move("FOARCH", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    # Bulk in both files, so each write takes long enough to be killed in the middle of.
    now = domain.utcnow()
    with Store(db).transaction() as tx:
        for i in range(300):
            draft = OrderDraft(number=f"FOBULK{i}", buyer="b" * 50, gig="g" * 200)
            order = domain.new_order(draft, now)
            if i % 2:
                order = domain.move_order(order, Move(Stage.CLOSED, outcome=Outcome.SAVED), now)
            tx.put(ORDERS, "order", order.to_dict())
    rng = random.Random(int(os.environ.get("CANCELBOARD_KILL_SEED", "5")))
    notes: list[str] = []
    archived: list[str] = []
    last_move = (1, "talk")
    mid_write = half_moves = 0
    for round_ in range(KILLS):
        for line in kill_a_writer(MOVING_WRITER, db, round_, rng):
            kind, *rest = line.split()
            if kind == "note":
                notes.append(rest[0])
            elif kind == "arch":
                archived.append(rest[0])
            elif kind == "move":
                last_move = (int(rest[0]), rest[1])
        mid_write += bool(list(tmp_path.glob(".board.json.*.tmp")))
        # Both files load, whole, with no duplicate ids; FOMOVE is in one of them at least.
        in_board = {d["order"]: d for d in load_strictly(db)[ORDERS].values()}
        in_archive = {d["order"]: d for d in load_strictly(archive)[ORDERS].values()}
        assert "FOMOVE" in in_board or "FOMOVE" in in_archive, f"round {round_}: lost"
        both = set(in_board) & set(in_archive)
        assert both <= {"FOMOVE"}, both
        if both:
            assert marker.exists()  # killed between the two writes: reconciled next
            half_moves += 1
        texts = {e["text"] for e in in_board["FOKILL"]["entries"]}
        assert [t for t in notes if t not in texts] == [], f"round {round_}"
        texts = {e["text"] for e in in_archive["FOARCH"]["entries"]}
        assert [t for t in archived if t not in texts] == [], f"round {round_}"
        # The move reported done is there (or a later one the child had not reported yet).
        now_moved = Board(Store(db)).orders(archived=True)
        fomove = next(o for o in now_moved if o.number == "FOMOVE")
        assert fomove.revision >= last_move[0], (round_, fomove.revision, last_move)
        if fomove.revision == last_move[0]:
            assert fomove.stage.value == last_move[1]
    Store(db).open()
    assert not marker.exists()
    assert list(tmp_path.glob(".board.json.*.tmp")) == []
    in_board = {d["order"] for d in load_strictly(db)[ORDERS].values()}
    in_archive = {d["order"] for d in load_strictly(archive)[ORDERS].values()}
    assert not in_board & in_archive
    assert len(in_board | in_archive) == 303
    report(
        "kill-moves",
        {
            "kills": KILLS,
            "kills_survived": KILLS,
            "kills_between_the_two_writes": half_moves,
            "kills_that_left_a_temp_file": mid_write,
            "changes_reported_done": len(notes) + len(archived) + last_move[0] - 1,
            "lost": 0,
        },
    )


CLOSING_WRITER = r"""
import sys
from tui.board import Board
from tui.domain import Move, OrderDraft, Outcome, Stage
from tui.store import Store

import tui.store

parsed = []  # archives read as JSON (a close added unread reads none)
real_parse = tui.store.parse_archive
tui.store.parse_archive = lambda *args: parsed.append(1) or real_parse(*args)
path, round_ = sys.argv[1], sys.argv[2]
board = Board(Store(path))
print("ready", flush=True)
i = 0
while True:
    number = f"FOC{round_}X{i}"
    board.add_order(OrderDraft(number=number, buyer="buyer"))
    print("added", number, flush=True)
    before = len(parsed)
    board.move(number, Move(Stage.CLOSED, outcome=Outcome.SAVED))
    print("closed" if len(parsed) > before else "unread", number, flush=True)
    i += 1
"""


def test_killed_writers_closing_orders_lose_nothing(tmp_path: Path) -> None:
    """Kills while orders are added and closed (each close added to the archive's bytes,
    unread, once a close has recorded its digest): every reported close is in the archive,
    each file loads with no duplicate ids, and no order is ever in neither file."""
    db = tmp_path / "board.json"
    archive = archive_path_of(db)
    marker = tmp_path / ".board.json.reconcile"
    now = domain.utcnow()
    with Store(db).transaction() as tx:  # bulk, so each write takes a while
        for i in range(300):
            draft = OrderDraft(number=f"FOBULK{i}", buyer="b" * 50, gig="g" * 200)
            order = domain.move_order(
                domain.new_order(draft, now), Move(Stage.CLOSED, outcome=Outcome.SAVED), now
            )
            tx.put(ORDERS, "order", order.to_dict())
    rng = random.Random(int(os.environ.get("CANCELBOARD_KILL_SEED", "7")))
    added: list[str] = []
    closed: list[str] = []
    half_closes = unread = 0
    for round_ in range(KILLS // 2):
        for line in kill_a_writer(CLOSING_WRITER, db, round_, rng):
            kind, number = line.split()
            (added if kind == "added" else closed).append(number)
            unread += kind == "unread"
        in_board = {d["order"] for d in load_strictly(db)[ORDERS].values()}
        in_archive = {d["order"] for d in load_strictly(archive)[ORDERS].values()}
        assert [n for n in added if n not in in_board | in_archive] == [], f"round {round_}"
        assert [n for n in closed if n not in in_archive] == [], f"round {round_}"
        if in_board & in_archive:
            assert marker.exists()
            half_closes += 1
    Store(db).open()
    assert not marker.exists()
    in_board = {d["order"] for d in load_strictly(db)[ORDERS].values()}
    in_archive = {d["order"] for d in load_strictly(archive)[ORDERS].values()}
    assert not in_board & in_archive
    # Every reported add is there (an add done as its writer was killed may be too).
    assert {*added, *(f"FOBULK{i}" for i in range(300))} <= in_board | in_archive
    assert unread > len(closed) // 2, (unread, len(closed))  # most closes read no archive
    report(
        "kill-closes",
        {
            "kills": KILLS // 2,
            "closes_reported": len(closed),
            "closes_that_read_no_archive": unread,
            "kills_mid_close": half_closes,
        },
    )


HOLD_LOCK = (
    "import sys, time\n"
    "from tui.store import Store\n"
    "with Store(sys.argv[1]).transaction():\n"
    "    print('locked', flush=True)\n"
    "    time.sleep(60)\n"
)


def hold_lock(db: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"
    return holder


def test_a_killed_lock_holder_does_not_block_others(tmp_path: Path) -> None:
    """A process killed while holding the lock: the kernel frees it, the next writer goes on."""
    db = tmp_path / "board.json"
    Board(Store(db)).add_order(OrderDraft(number="FO1", buyer="b"))
    holder = hold_lock(db)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    started = time.monotonic()
    Board(Store(db, lock_timeout=5)).add_entry("FO1", EntryKind.NOTE, "after the kill")
    assert time.monotonic() - started < 2
    assert orjson.loads(db.read_bytes())[ORDERS]["1"]["entries"][0]["text"] == "after the kill"


def test_a_lock_held_too_long_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "board.json"
    Board(Store(db)).add_order(OrderDraft(number="FO1", buyer="b"))
    before = db.read_bytes()
    holder = hold_lock(db)
    try:
        with pytest.raises(StoreError, match="locked by another process"):
            Board(Store(db, lock_timeout=0.3)).add_entry("FO1", EntryKind.NOTE, "waits")
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert db.read_bytes() == before


FILELOCK_HOLDS = (
    "import sys, time\n"
    "from filelock import FileLock\n"
    "with FileLock(sys.argv[1] + '.lock'):\n"
    "    print('locked', flush=True)\n"
    "    time.sleep(60)\n"
)


def test_a_session_locking_with_filelock_keeps_writers_out(tmp_path: Path) -> None:
    # The store takes the lock with flock itself (importing filelock cost every start
    # ~20 ms); a session of a version that locks through filelock must still exclude it.
    db = tmp_path / "board.json"
    Board(Store(db)).add_order(OrderDraft(number="FO1", buyer="b"))
    before = db.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", FILELOCK_HOLDS, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(StoreError, match="locked by another process"):
            Board(Store(db, lock_timeout=0.3)).add_entry("FO1", EntryKind.NOTE, "waits")
        assert db.read_bytes() == before
    finally:
        holder.kill()
        holder.wait(timeout=10)
    Board(Store(db, lock_timeout=5)).add_entry("FO1", EntryKind.NOTE, "after it")
    assert orjson.loads(db.read_bytes())[ORDERS]["1"]["entries"][0]["text"] == "after it"


def test_filelock_waits_for_a_session_holding_the_lock(tmp_path: Path) -> None:
    from filelock import FileLock, Timeout

    db = tmp_path / "board.json"
    Board(Store(db)).add_order(OrderDraft(number="FO1", buyer="b"))
    holder = hold_lock(db)
    try:
        with pytest.raises(Timeout):
            FileLock(f"{db}.lock", timeout=0.3).acquire()
    finally:
        holder.kill()
        holder.wait(timeout=10)
    with FileLock(f"{db}.lock", timeout=5):
        pass


@pytest.mark.parametrize("where", ["no fcntl", "flock missing"])
def test_without_flock_the_store_locks_through_filelock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    import errno

    import tui.store

    if where == "no fcntl":  # as on Windows
        monkeypatch.setattr(tui.store, "fcntl", None)
    else:  # a file system without it (filelock itself then falls back to its own)

        def missing(fd: int, operation: int) -> None:
            raise OSError(errno.ENOSYS, "Function not implemented")

        fcntl = SimpleNamespace(**vars(tui.store.fcntl))
        fcntl.flock = missing
        monkeypatch.setattr(tui.store, "fcntl", fcntl)
    portable = Store._portable_lock
    used: list[Store] = []

    def spied(store: Store) -> Any:
        used.append(store)
        return portable(store)

    monkeypatch.setattr(Store, "_portable_lock", spied)
    db = tmp_path / "board.json"
    board = Board(Store(db))
    board.add_order(OrderDraft(number="FO1", buyer="b"))
    board.add_entry("FO1", EntryKind.NOTE, "written")
    assert orjson.loads(db.read_bytes())[ORDERS]["1"]["entries"][0]["text"] == "written"
    assert used  # through filelock
    # And it does exclude: a holder of the lock keeps this process out.
    holder = hold_lock(db) if where == "no fcntl" else None
    try:
        if holder is not None:
            with pytest.raises(StoreError, match="locked by another process"):
                Board(Store(db, lock_timeout=0.3)).add_entry("FO1", EntryKind.NOTE, "waits")
    finally:
        if holder is not None:
            holder.kill()
            holder.wait(timeout=10)
