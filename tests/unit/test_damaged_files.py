"""A damaged or foreign board file is never made worse.

Each case: every command (and opening the board) gives one line naming the file and what is
wrong, exits with 2, and leaves the file byte for byte as it was (no temp files, no backups).
``cancelboard doctor`` reports the damage and ``--restore`` puts the newest good backup back.

We run as root in CI, and root reads any file whatever its mode: the unreadable and
read-only cases drop the capabilities that let root ignore permissions (CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH) from the child process, so the kernel really refuses.
"""

from __future__ import annotations

import ctypes
import errno
import gc
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import env_with_db
from tui import store as store_module
from tui.board import Board
from tui.cli import main
from tui.doctor import doctor, made
from tui.domain import EntryKind, Move, OrderDraft, Outcome, Stage
from tui.store import Store

CANCELBOARD = [sys.executable, "-m", "tui"]
GOOD_BOARD = {
    "meta": {"1": {"app": "cancelboard", "schema": 1}},
    "orders": {},
}


def good_board(path: Path) -> bytes:
    """A real board with one order FO1; its bytes."""
    board = Board(Store(path))
    board.add_order(OrderDraft(number="FO1", buyer="bob"))
    board.add_entry("FO1", EntryKind.NOTE, "a note")
    return path.read_bytes()


def with_an_archive(path: Path) -> None:
    """The good board (FO1 open), and FO2 closed into its archive."""
    good_board(path)
    board = Board(Store(path))
    board.add_order(OrderDraft(number="FO2", buyer="ann"))
    board.move("FO2", Move(to=Stage.CLOSED, outcome=Outcome.SAVED))


def state(path: Path) -> object:
    """What is at ``path``, to compare before and after."""
    st = os.lstat(path)
    if stat.S_ISREG(st.st_mode):
        return ("file", path.read_bytes(), stat.S_IMODE(st.st_mode))
    if stat.S_ISDIR(st.st_mode):
        return ("folder", sorted(p.name for p in path.iterdir()))
    return ("other", stat.S_IFMT(st.st_mode))


def damaged_order(path: Path) -> None:
    data = orjson.loads(good_board(path))
    data["orders"]["1"]["stage"] = "no-such-stage"
    path.write_bytes(orjson.dumps(data))


CASES: dict[str, tuple[Callable[[Path], object], str]] = {
    "invalid JSON": (
        lambda p: p.write_bytes(b'{"orders": {"1": {"order": "FO1"'),
        "not valid JSON",
    ),
    "binary garbage": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe"), "not valid JSON"),
    "newer schema": (
        lambda p: p.write_bytes(
            orjson.dumps({"meta": {"1": {"app": "cancelboard", "schema": 99}}, "orders": {}})
        ),
        "newer Cancelboard (schema 99",
    ),
    "a JSON list": (lambda p: p.write_bytes(b"[1, 2]"), "not a Cancelboard board"),
    "another program's tables": (
        lambda p: p.write_bytes(b'{"foo": {}}'),
        "not a Cancelboard board",
    ),
    "orders not a table": (lambda p: p.write_bytes(b'{"orders": [1]}'), "not a Cancelboard board"),
    "a document not an object": (
        lambda p: p.write_bytes(b'{"orders": {"1": 5}}'),
        "not a Cancelboard board",
    ),
    "a document id not a number": (
        lambda p: p.write_bytes(b'{"orders": {"x": {"order": "FO1"}}}'),
        "a document id is not a number",
    ),
    "another program's meta": (
        lambda p: p.write_bytes(b'{"meta": {"1": {"app": "other"}}, "orders": {}}'),
        "meta names another program",
    ),
    "schema not a number": (
        lambda p: p.write_bytes(b'{"meta": {"1": {"app": "cancelboard", "schema": "2"}}}'),
        "damaged meta table",
    ),
    "a folder at the path": (lambda p: (p.mkdir(), (p / "x").touch()), "is a folder"),
    "a FIFO at the path": (lambda p: os.mkfifo(p), "not a regular file"),
}
"""Case name: (make the damage at the path, what the error says)."""

WRITES = [
    ["note", "FO1", "a new note"],
    ["add", "FO9", "--buyer", "alice"],
    ["move", "FO1", "closed", "--outcome", "saved"],
    ["lesson", "FO1", "a lesson"],
]


def open_board(db_path: Path) -> subprocess.CompletedProcess[str]:
    """``cancelboard --db FILE`` (the board) in a process of its own, without a terminal."""
    return subprocess.run(
        [*CANCELBOARD, "--db", str(db_path)],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, path: Path, problem: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cancelboard: error: "), err
    assert str(path) in lines[0], err
    assert problem in lines[0], err


def assert_nothing_new(folder: Path, before: set[str]) -> None:
    """No temp file, no backup: nothing beside the file but what was there (and the lock)."""
    after = {p.name for p in folder.iterdir()} - {"board.json.lock"}
    assert after == before - {"board.json.lock"}


@pytest.mark.parametrize("case", list(CASES))
def test_each_command_refuses_a_damaged_file(
    case: str, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, problem = CASES[case]
    make(db_path)
    before = state(db_path)
    names = {p.name for p in db_path.parent.iterdir()}
    for args in [["list"], ["list", "--json"], ["show", "FO1"], *WRITES]:
        code, out, err = run_cli([*args, "--db", str(db_path)], capsys)
        assert code == 2, (args, out, err)
        assert_one_line_error(err, db_path, problem)
        assert state(db_path) == before, args
    assert_nothing_new(db_path.parent, names)


def test_a_file_that_is_not_valid_json_says_where_and_what_to_do(
    db_path: Path, capsys: pytest.CaptureFixture[str], board_run: list[list[str]]
) -> None:
    """Often one character typed by hand: the error names the place to mend, and doctor
    (which can restore a backup, losing the changes since); doctor's own report lists
    the place without sending the seller back to doctor."""
    raw = good_board(db_path)
    db_path.write_bytes(raw.replace(b'"orders":', b'"orders"x:', 1))
    at = raw.index(b'"orders":') + len(b'"orders"') + 1
    place = f"{db_path}: not valid JSON at line 1 column {at} ("
    hint = "); fix it there by hand, or see cancelboard doctor"
    for args in (["list"], ["note", "FO1", "x"], []):
        assert main([*args, "--db", str(db_path)]) == 2
        err = capsys.readouterr().err
        assert_one_line_error(err, db_path, place)
        assert err.rstrip().endswith(hint), err
    assert board_run == []
    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 2
    assert f"status: DAMAGED: not valid JSON at line 1 column {at} (" in out
    assert "fix it there" not in out and "see cancelboard doctor" not in out


@pytest.mark.parametrize("case", list(CASES))
def test_the_board_refuses_to_open_a_damaged_file(case: str, db_path: Path) -> None:
    """A real process, as the user starts it: the TUI never starts, the file is untouched."""
    make, problem = CASES[case]
    make(db_path)
    before = state(db_path)
    result = open_board(db_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert_one_line_error(result.stderr, db_path, problem)
    assert result.stdout == ""
    assert state(db_path) == before


def test_a_damaged_order_is_reported_and_the_board_does_not_open(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged_order(db_path)
    before = db_path.read_bytes()
    code, _, err = run_cli(["list", "--db", str(db_path)], capsys)
    assert code == 2
    assert_one_line_error(err, db_path, "order FO1 is damaged")
    result = open_board(db_path)
    assert result.returncode == 2
    assert_one_line_error(result.stderr, db_path, "order FO1 is damaged")
    assert db_path.read_bytes() == before


WRONG_TYPES: dict[str, Callable[[dict[str, Any]], None]] = {
    "an entry not an object": lambda doc: doc.__setitem__("entries", ["x"]),
    "an entry a list": lambda doc: doc["entries"].append([1, 2]),
    "entries a string": lambda doc: doc.__setitem__("entries", "x"),
    "entries a number": lambda doc: doc.__setitem__("entries", 5),
    "an event not an object": lambda doc: doc["history"].append("x"),
    "history an object": lambda doc: doc.__setitem__("history", {"a": 1}),
    "an amount out of range": lambda doc: doc.__setitem__("amount_cents", 1e30),
    "a revision out of range": lambda doc: doc.__setitem__("revision", 1e30),
}
"""An order damaged by a hand edit: a value of the wrong type inside it."""


@pytest.mark.parametrize("case", list(WRONG_TYPES))
def test_a_wrong_type_inside_an_order_is_one_line_not_a_traceback(
    case: str, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = orjson.loads(good_board(db_path))
    WRONG_TYPES[case](data["orders"]["1"])
    db_path.write_bytes(orjson.dumps(data))
    before = state(db_path)
    names = {p.name for p in db_path.parent.iterdir()}
    commands = [["show", "FO1"], ["history", "FO1"], ["export"]]
    commands += [args for args in WRITES if "FO1" in args]
    if not isinstance(data["orders"]["1"]["entries"], list):
        commands += [["list"], ["list", "--json"]]  # they count the entries
    for args in commands:
        code, out, err = run_cli([*args, "--db", str(db_path)], capsys)
        assert (code, out) == (2, ""), (args, out, err)
        assert_one_line_error(err, db_path, "order FO1 is damaged")
        assert state(db_path) == before, args

    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 2
    assert "status: DAMAGED: order FO1 is damaged" in out
    code, out, _ = run_cli(["doctor", "--restore", "--db", str(db_path)], capsys)
    assert code == 2
    assert "cannot restore: no backup loads; nothing was changed" in out
    assert state(db_path) == before
    assert_nothing_new(db_path.parent, names)


def test_doctor_restores_a_board_with_a_non_object_entry(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = good_board(db_path)
    backup = Store(db_path).backup()
    assert backup is not None
    data = orjson.loads(good)
    data["orders"]["1"]["entries"] = ["x"]
    db_path.write_bytes(orjson.dumps(data))
    result = open_board(db_path)
    # Entries are read once the board is drawn: then it ends with one line, not a traceback.
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr[result.stderr.index("cancelboard: error: ") :]
    assert_one_line_error(last, db_path, "order FO1: its entries are damaged")

    code, out, _ = run_cli(["doctor", "--restore", "--db", str(db_path)], capsys)
    assert code == 0, out
    assert f"restored {backup.name}" in out
    assert db_path.read_bytes() == good


def test_an_emptied_board_file_beside_its_archive_is_damaged_not_new(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_an_archive(db_path)
    db_path.write_bytes(b"")  # truncated: the open order FO1 is gone from it
    before = {p.name: state(p) for p in db_path.parent.iterdir()}
    problem = "empty (0 bytes), but its archive board.archive.json shows a board was there"
    for args in [["list"], ["list", "--json"], ["list", "--all"], ["show", "FO2"], *WRITES]:
        code, out, err = run_cli([*args, "--db", str(db_path)], capsys)
        assert (code, out) == (2, ""), (args, out, err)
        assert_one_line_error(err, db_path, problem)
    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 2
    assert f"status: DAMAGED: {problem}" in out
    result = open_board(db_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert_one_line_error(result.stderr, db_path, problem)
    after = {p.name: state(p) for p in db_path.parent.iterdir()}
    assert {k: v for k, v in after.items() if k != "board.json.lock"} == {
        k: v for k, v in before.items() if k != "board.json.lock"
    }


def test_doctor_restores_an_emptied_board_file_from_its_backup(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = good_board(db_path)
    backup = Store(db_path).backup()
    assert backup is not None
    db_path.write_bytes(b"")
    code, out, err = run_cli(["list", "--db", str(db_path)], capsys)
    assert code == 2
    assert_one_line_error(err, db_path, f"but backup {backup.name} shows a board was there")
    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 2 and "status: DAMAGED: empty (0 bytes)" in out
    assert "cancelboard doctor --restore" in out

    code, out, _ = run_cli(["doctor", "--restore", "--db", str(db_path)], capsys)
    assert code == 0, out
    assert f"restored {backup.name}" in out
    assert db_path.read_bytes() == good
    code, out, _ = run_cli(["list", "--db", str(db_path)], capsys)
    assert code == 0 and "FO1" in out


def test_a_touched_board_file_with_nothing_beside_it_stays_a_new_board(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path.touch()
    Store(db_path).open()  # no backup of nothing: it would make the file look emptied
    assert Store(db_path).backup() is None
    db_path.with_name("board.json.bak-20200101T000000Z").write_bytes(b"")  # blank: no sign
    code, out, _ = run_cli(["list", "--db", str(db_path)], capsys)
    assert code == 0 and out.startswith("no orders")
    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 0, out
    assert "board.json.bak-20200101T000000Z: DAMAGED: empty" in out  # never restored
    assert run_cli(["add", "FO1", "--buyer", "ann", "--db", str(db_path)], capsys)[0] == 0


# ----------------------------------------------------------------------------- permissions


def _without_root_powers() -> None:
    """In the child: drop the capabilities that let root read and write any file."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _can_drop_root_powers(probe: Path) -> bool:
    probe.write_bytes(b"x")
    probe.chmod(0)
    try:
        result = subprocess.run(
            ["cat", str(probe)], preexec_fn=_without_root_powers, capture_output=True, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        probe.unlink()
    return result.returncode != 0


@pytest.fixture
def powerless(tmp_path: Path) -> Callable[[list[str], Path], subprocess.CompletedProcess[str]]:
    if not _can_drop_root_powers(tmp_path / "probe"):
        pytest.skip("cannot make a file unreadable for this user")

    def run(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CANCELBOARD, *args],
            preexec_fn=_without_root_powers,
            env=env_with_db(db),
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    return run


def test_an_unreadable_file(
    db_path: Path, powerless: Callable[[list[str], Path], subprocess.CompletedProcess[str]]
) -> None:
    good_board(db_path)
    db_path.chmod(0)
    before = state(db_path)
    for args in [["list"], ["note", "FO1", "x"], ["doctor"], []]:
        result = powerless(args, db_path)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        if args != ["doctor"]:
            assert_one_line_error(result.stderr, db_path, "cannot read: permission denied")
        else:
            assert "DAMAGED: cannot read: permission denied" in result.stdout
        assert state(db_path) == before


def test_a_read_only_file_is_not_replaced(
    db_path: Path, powerless: Callable[[list[str], Path], subprocess.CompletedProcess[str]]
) -> None:
    good_board(db_path)
    db_path.chmod(0o400)
    before = state(db_path)
    result = powerless(["note", "FO1", "x"], db_path)
    assert result.returncode == 2
    assert_one_line_error(result.stderr, db_path, "read-only; nothing was written")
    assert state(db_path) == before
    assert powerless(["list"], db_path).returncode == 0  # reading it is fine


def test_a_folder_we_cannot_write_to(
    tmp_path: Path, powerless: Callable[[list[str], Path], subprocess.CompletedProcess[str]]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    db = folder / "board.json"
    good_board(db)
    (folder / "board.json.lock").unlink()
    folder.chmod(0o500)
    try:
        before = state(db)
        result = powerless(["add", "FO2", "--buyer", "x"], db)
        assert result.returncode == 2
        assert_one_line_error(result.stderr, db, "permission denied; nothing was written")
        assert state(db) == before
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize(
    ("errno_", "why"),
    [
        (errno.EROFS, "read-only: its file system is mounted read-only"),
        (errno.EACCES, "read-only for you: cannot lock: permission denied"),
    ],
)
def test_a_board_that_cannot_be_written_opens_to_be_read(
    errno_: int,
    why: str,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    board_run: list[list[str]],
) -> None:
    """A read-only file system (or a folder not writable by this user): not even the lock
    file opens. Reading takes no lock, so the board opens and says once that it is
    read-only; each change is refused saying so, and nothing is written."""
    with_an_archive(db_path)
    files = {p.name: state(p) for p in db_path.parent.iterdir()}
    real_open = os.open

    def refused(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith((".lock", ".tmp", ".reconcile")):
            raise OSError(errno_, os.strerror(errno_))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(store_module.os, "open", refused)

    assert main(["--db", str(db_path)]) == 0
    assert board_run == [[f"{db_path}: {why}; the board is shown, changes are refused"]]
    assert capsys.readouterr().err == ""
    code, _, err = run_cli(["note", "FO1", "more", "--db", str(db_path)], capsys)
    assert code == 2
    assert_one_line_error(err, db_path, f"{why}")
    assert err.rstrip().endswith("; nothing was written")
    assert {p.name: state(p) for p in db_path.parent.iterdir()} == files


# ----------------------------------------------------------------------------- full disk


def test_disk_full_while_writing(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC from write(2) into the temp file (in-process): the board is untouched."""
    before = good_board(db_path)
    full_disk_for_temp_files(monkeypatch)
    names = {p.name for p in db_path.parent.iterdir()}
    code, _, err = run_cli(["note", "FO1", "more", "--db", str(db_path)], capsys)
    assert code == 2
    assert_one_line_error(err, db_path, "disk full: no space left on device; nothing was written")
    assert db_path.read_bytes() == before
    assert_nothing_new(db_path.parent, names)


@pytest.fixture
def board_run(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """Opening the board in-process stops where the app would run: each run's startup
    notices (what the board says once drawn). The collector, paused by the start, is
    given back."""
    from tui.app import CancelboardApp

    runs: list[list[str]] = []
    monkeypatch.setattr(CancelboardApp, "run", lambda app: runs.append(app.startup_notices))
    try:
        yield runs
    finally:
        gc.unfreeze()
        gc.enable()


def full_disk_for_temp_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC from write(2) into every temp file (a backup's or a change's)."""
    real_write = os.write

    def full(fd: int, data: bytes | memoryview) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(store_module.os, "write", full)


def test_the_board_opens_on_a_full_disk_before_todays_backup(
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    board_run: list[list[str]],
) -> None:
    """The first open of the day makes a backup; on a full disk that fails, but reading
    needs no space: the board opens and says once that there is no backup today (the
    archive's is not tried), and the older backups stay as they were."""
    with_an_archive(db_path)
    for source in (db_path, db_path.with_name("board.archive.json")):
        old = source.with_name(f"{source.name}.bak-20200101T000000Z")
        old.write_bytes(source.read_bytes())
    files = {p.name: state(p) for p in db_path.parent.iterdir()}
    full_disk_for_temp_files(monkeypatch)

    assert main(["--db", str(db_path)]) == 0
    assert board_run == [
        [
            f"No backup today: {db_path}: disk full: no space left on device"
            " (the older backups are kept)"
        ]
    ]
    assert capsys.readouterr().err == ""
    assert {p.name: state(p) for p in db_path.parent.iterdir()} == files
    code, _, err = run_cli(["note", "FO1", "more", "--db", str(db_path)], capsys)
    assert code == 2 and "disk full" in err  # a change still fails cleanly
    assert {p.name: state(p) for p in db_path.parent.iterdir()} == files


def test_a_change_cut_short_does_not_stop_the_board_opening_on_a_full_disk(
    db_path: Path, board_run: list[list[str]]
) -> None:
    """A close killed between its two writes leaves the marker; on a full disk the start
    cannot finish it: the board opens all the same, says so, and the marker stays for
    the next change that can be written."""
    from tests.unit.test_archive import CLOSE, Killed, kill_when_writing

    with_an_archive(db_path)
    store = Store(db_path)
    with pytest.MonkeyPatch.context() as killing:
        kill_when_writing(killing, store, store.path)
        with pytest.raises(Killed):
            Board(store).move("FO1", CLOSE)  # the archive was written, the board file not
    files = {p.name: state(p) for p in db_path.parent.iterdir()}
    with pytest.MonkeyPatch.context() as full:
        full_disk_for_temp_files(full)
        assert main(["--db", str(db_path)]) == 0
    (notices,) = board_run
    assert len(notices) == 2 and notices[0].startswith(f"No backup today: {db_path}: disk full")
    assert notices[1] == (
        f"{db_path}: disk full: no space left on device;"
        " a change to both files cut short is finished once one can be written"
    )
    assert {p.name: state(p) for p in db_path.parent.iterdir()} == files
    assert main(["note", "FO1", "more", "--db", str(db_path)]) == 0
    assert not store.marker_path.exists()


def test_a_close_that_fails_on_a_full_disk_leaves_no_marker(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A close writes both files, so it first leaves a marker saying so; on a full disk
    the marker itself could be made but not filled. Nothing of the close was written:
    no marker stays behind, and doctor reports no unfinished write."""
    with_an_archive(db_path)
    files = {p.name: state(p) for p in db_path.parent.iterdir()}
    real_write = os.write

    def full(fd: int, data: bytes | memoryview) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith((".tmp", ".reconcile")):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(store_module.os, "write", full)
    code, _, err = run_cli(
        ["move", "FO1", "closed", "--outcome", "saved", "--db", str(db_path)], capsys
    )
    assert code == 2
    assert_one_line_error(err, db_path, "disk full: no space left on device; nothing was written")
    assert {p.name: state(p) for p in db_path.parent.iterdir()} == files
    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 0 and "unfinished write" not in out


def test_doctor_says_a_write_to_both_files_is_unfinished_without_saying_why(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A marker stays when a writer was killed between the two files, and when it could
    not write the second one (nor put the first back): doctor's words fit both."""
    with_an_archive(db_path)
    Store(db_path).marker_path.write_bytes(b"")
    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 0
    assert (
        "unfinished write to both files (its writer was stopped, or could not write the"
        " second file): finished by the next change or start" in out
    )
    assert "killed" not in out


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB tmpfs (needs root and a kernel that lets us mount)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk(tiny_disk: Path) -> None:
    """Real processes on a real full filesystem: writes and opening fail cleanly."""
    db = tiny_disk / "board.json"
    board = Board(Store(db))
    for i in range(40):
        board.add_order(OrderDraft(number=f"FO{i}", buyer="buyer", gig="g" * 150))
    filler = tiny_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)
    before = state(db)
    names = {p.name for p in tiny_disk.iterdir()}
    for args in (["note", "FO1", "more"], ["add", "FO99", "--buyer", "x"]):
        result = subprocess.run(
            [*CANCELBOARD, *args],
            env=env_with_db(db),
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert_one_line_error(result.stderr, db, "disk full: no space left on device")
        assert state(db) == before
        assert {p.name for p in tiny_disk.iterdir()} == names
    for args in (["list"], ["show", "FO1"], ["history", "FO1"], ["stats"], ["export"]):
        result = subprocess.run(
            [*CANCELBOARD, *args],
            env=env_with_db(db),
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert result.returncode == 0, (args, result.stderr)  # reading needs no space
        assert {p.name for p in tiny_disk.iterdir()} == names
    filler.unlink()
    result = subprocess.run(
        [*CANCELBOARD, "note", "FO1", "more"],
        env=env_with_db(db),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# ----------------------------------------------------------------------------- doctor


def test_doctor_on_a_healthy_board(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good_board(db_path)
    Store(db_path).backup()
    (db_path.parent / ".board.json.99.1.tmp").write_bytes(b"half")
    before = db_path.read_bytes()
    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 0
    assert f"board file: {db_path}" in out
    assert "status: ok: schema 2, 1 order (0 closed), 0 general lessons" in out
    assert "mode 0600" in out
    assert "backups: 1 (1 load)" in out
    assert "leftover temp files: 1" in out
    assert db_path.read_bytes() == before
    assert (db_path.parent / ".board.json.99.1.tmp").exists()  # reporting never deletes


def test_doctor_on_a_missing_board(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 0
    assert "no board file yet" in out
    assert list(db_path.parent.iterdir()) == []


def test_doctor_warns_when_others_can_read_the_board(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good_board(db_path)
    db_path.chmod(0o644)
    _, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert "mode 0644 (others can read it" in out


@pytest.mark.parametrize(
    "case", ["invalid JSON", "a JSON list", "newer schema", "a folder at the path"]
)
def test_doctor_restores_the_newest_good_backup(
    case: str, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good_board(db_path)
    store = Store(db_path)
    older = store.backup()
    Board(store).add_entry("FO1", EntryKind.NOTE, "the newest note")
    newest = store.backup()
    assert older is not None and newest is not None
    newest_bytes = newest.read_bytes()
    db_path.unlink()
    CASES[case][0](db_path)
    damaged = state(db_path)

    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 2
    assert "status: DAMAGED: " in out and "doctor --restore" in out
    assert state(db_path) == damaged

    code, out, _ = run_cli(["doctor", "--restore", "--db", str(db_path)], capsys)
    assert code == 0, out
    assert f"restored {newest.name}" in out
    assert db_path.read_bytes() == newest_bytes
    (aside,) = Store(db_path).damaged_copies()
    # The damaged file is kept, never deleted (made 0600 if others could read it).
    assert state(aside)[:2] == damaged[:2]
    assert "the newest note" in db_path.read_text()
    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 0 and "status: ok" in out


def test_doctor_says_how_old_the_backup_is_and_where_the_later_changes_are_kept(
    db_path: Path,
) -> None:
    """A restore rolls back every change since the backup: doctor says when that was
    before, and after says what it restored, from when, and where the damaged file (with
    the later changes, to copy out by hand) was kept."""
    made_at = datetime(2026, 12, 6, 19, 4, tzinfo=UTC)
    now = made_at + timedelta(hours=2, minutes=6)
    good_board(db_path)
    backup = Store(db_path, clock=lambda: made_at).backup()
    assert backup is not None and backup.name == "board.json.bak-20261206T190400Z"
    Board(Store(db_path)).add_entry("FO1", EntryKind.NOTE, "a later note")
    damaged = db_path.read_bytes().replace(b'"orders":', b'"orders"x:', 1)
    db_path.write_bytes(damaged)
    local = made_at.astimezone().strftime("%Y-%m-%d %H:%M")

    said: list[str] = []
    assert doctor(Store(db_path), out=said.append, now=now) == 2
    assert said[-1] == (
        f"  made {local}, 2 h ago: changes since then are lost unless you fix the file by hand"
    )
    said.clear()
    store = Store(db_path, clock=lambda: now)
    assert doctor(store, restore=True, out=said.append, now=now) == 0
    assert said[-1] == (
        f"restored {backup.name} (made {local}, 2 h ago) in place of the board file; the"
        " damaged file, with any changes made since, was kept as"
        " board.json.damaged-20261206T211000Z"
    )
    assert db_path.with_name("board.json.damaged-20261206T211000Z").read_bytes() == damaged
    assert b"a later note" not in db_path.read_bytes()


@pytest.mark.parametrize(
    ("ago", "said"),
    [
        (timedelta(seconds=30), "under a minute ago"),
        (timedelta(minutes=45), "45 min ago"),
        (timedelta(hours=47), "47 h ago"),
        (timedelta(days=3, hours=5), "3 days ago"),
    ],
)
def test_a_backups_age(ago: timedelta, said: str, tmp_path: Path) -> None:
    backup = tmp_path / "board.json.bak-20261206T190400Z"
    made_at = datetime(2026, 12, 6, 19, 4, tzinfo=UTC)
    assert made(backup, made_at + ago).endswith(f", {said}")


def test_doctor_restore_makes_a_board_others_could_read_private(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_an_archive(db_path)
    Store(db_path).backup()
    archive = db_path.with_name("board.archive.json")
    for path in (db_path, archive):
        path.write_bytes(b"{broken")
        path.chmod(0o644)  # as a copy made with a umask of 022 leaves it

    code, out, _ = run_cli(["doctor", "--restore", "--db", str(db_path)], capsys)
    assert code == 0, out
    assert out.count("restored ") == 2
    store = Store(db_path)
    for path in (db_path, archive, *store.damaged_copies()):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert len(store.damaged_copies()) == 2
    code, out, _ = run_cli(["doctor", "--db", str(db_path)], capsys)
    assert code == 0 and "mode 0600" in out and "others can read" not in out


def test_doctor_skips_backups_that_do_not_load(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = good_board(db_path)
    store = Store(db_path)
    good_backup = store.backup()
    assert good_backup is not None
    bad_backup = db_path.with_name("board.json.bak-29990101T000000Z")
    bad_backup.write_bytes(b"{broken")
    db_path.write_bytes(b"{also broken")
    code, out, _ = run_cli(["doctor", "--restore", "--db", str(db_path)], capsys)
    assert code == 0, out
    assert f"{bad_backup.name}: DAMAGED: not valid JSON" in out
    assert f"restored {good_backup.name}" in out
    assert db_path.read_bytes() == good


def test_doctor_without_a_good_backup_changes_nothing(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path.write_bytes(b"{broken")
    names = {p.name for p in db_path.parent.iterdir()}
    code, out, _ = run_cli(["doctor", "--restore", "--db", str(db_path)], capsys)
    assert code == 2
    assert "cannot restore: no backup loads; nothing was changed" in out
    assert db_path.read_bytes() == b"{broken"
    assert {p.name for p in db_path.parent.iterdir()} - {"board.json.lock"} == names


def test_doctor_restore_on_a_healthy_board_does_nothing(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = good_board(db_path)
    Store(db_path).backup()
    code, out, _ = run_cli(["doctor", "--restore", "--db", str(db_path)], capsys)
    assert code == 0
    assert "nothing to restore" in out
    assert db_path.read_bytes() == before
    assert Store(db_path).damaged_copies() == []
