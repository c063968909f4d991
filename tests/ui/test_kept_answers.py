"""The board keeps a status bar's ``list --json`` answer fresh: once the board file changes
and settles, the answers scripts asked for are worked out again, in a process of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.helpers import make_app, wait_for
from tui import quicklist
from tui.board import Board
from tui.cli import main
from tui.domain import Move, OrderDraft, Outcome, Stage
from tui.store import Store

SIZE = (100, 30)


def kept(db: Path, stage: str | None = None) -> bytes | None:
    """The answer kept for the board file's bytes as they are now (None: none)."""
    key = quicklist.answer_key(db.read_bytes(), stage)
    where = quicklist.cache_file(str(db), stage)
    assert key is not None and where is not None
    return quicklist.cached(where, key)


def listed(raw: bytes, folder: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> bytes:
    """What the full command prints for ``list --json`` on a board file holding ``raw``."""
    db = folder / "as-it-was.json"
    db.write_bytes(raw)
    capsysbinary.readouterr()
    assert main(["list", "--json", "--db", str(db)]) == 0
    return capsysbinary.readouterr().out


def seed(db: Path) -> Board:
    board = Board(Store(db))
    board.add_order(OrderDraft(number="FOTALK", buyer="tara"))
    board.add_order(OrderDraft(number="FOFOLW", buyer="finn"))
    board.move("FOFOLW", Move(Stage.FOLLOW_UP, outcome=Outcome.SAVED))
    return board


async def test_a_change_on_the_board_and_one_from_another_session_refresh_a_kept_answer(
    db_path: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    other = seed(db_path)
    asked = quicklist.quick_list_json(["list", "--json", "--db", str(db_path)])
    assert asked is not None  # a status bar asked once: its answer is kept
    app = make_app(db_path, watch_interval=0.05)
    app.answers_quiet = 0.2
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "l", "l", "greater_than_sign")  # Follow up -> Lessons
        await wait_for(pilot, lambda: b'"stage": "lessons"' in (kept(db_path) or b""), 20)
        moved = (db_path.read_bytes(), kept(db_path))

        other.add_order(OrderDraft(number="FOELSE", buyer="from the other session"))
        await wait_for(pilot, lambda: b"FOELSE" in (kept(db_path) or b""), 20)
        added = (db_path.read_bytes(), kept(db_path))
        # The refresh's process is reaped once done, not left a zombie.
        await wait_for(pilot, lambda: app._refreshing is None, 20)
    # Each kept answer is what the full command prints for the file as it was.
    for raw, answer in (moved, added):
        assert answer == listed(raw, tmp_path, capsysbinary)


async def test_no_answer_is_worked_out_when_no_script_asked(db_path: Path) -> None:
    seed(db_path)
    app = make_app(db_path, watch_interval=0.05)
    app.answers_quiet = 0.1
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "l", "l", "greater_than_sign")
        await wait_for(pilot, lambda: b'"lessons"' in db_path.read_bytes())
        await pilot.pause(0.5)  # several quiet checks later
        assert app._refreshing is None
    assert not Path(quicklist.cache_dir() or "").exists()
