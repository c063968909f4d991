"""Snapshots of the board at 80x24 with a fixed clock: what a seller sees, pixel for pixel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.conftest import FROZEN
from tests.ui.helpers import make_app, wait_for
from tui.board import Board
from tui.domain import EntryKind, Move, OrderDraft, Outcome, Stage
from tui.store import Store


def seeded_board(db: Path) -> None:
    """A small board with a card in every column and a timer in each timed one."""
    clock = [FROZEN - timedelta(days=3)]
    board = Board(Store(db), clock=lambda: clock[0])
    board.add_order(OrderDraft("FO5B2A1C3D4E", "jane_doe", "Logo design", "25", due="2026-11-24"))
    board.add_order(
        OrderDraft("FO11", "bob[bold]", "Website", "120.50", due="2026-11-30", tags="#late")
    )
    board.add_order(OrderDraft("FO22", "carol", "Voice over", "40"))
    board.add_order(OrderDraft("FO33", "dave", "SEO audit", "60"))
    board.add_order(OrderDraft("FO44", "erin", "Translation", "15"))
    clock[0] = FROZEN - timedelta(hours=37)
    board.move("FO22", Move(Stage.REQUESTED, reason="scope"))
    board.move("FO33", Move(Stage.REQUESTED))
    board.move("FO44", Move(Stage.REQUESTED))
    board.move("FO33", Move(Stage.REVIEW, ticket="CS-1"))
    board.move("FO44", Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_MUTUAL))
    board.add_entry("FO44", EntryKind.NOTE, "refunded")


def test_board_at_80x24(db_path: Path, snap_compare: Any) -> None:
    seeded_board(db_path)
    app = make_app(db_path, clock=lambda: FROZEN)

    async def loaded(pilot: Any) -> None:
        await wait_for(pilot, lambda: "FO44" in str(app.screen.query_one("#col-follow-up").numbers))

    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded)


def test_stats_at_80x24(db_path: Path, snap_compare: Any) -> None:
    seeded_board(db_path)
    board = Board(Store(db_path), clock=lambda: FROZEN)
    board.move("FO44", Move(Stage.CLOSED, outcome=Outcome.CANCELLED_MUTUAL))
    board.move("FO11", Move(Stage.FOLLOW_UP, outcome=Outcome.SAVED))
    app = make_app(db_path, clock=lambda: FROZEN)

    async def loaded(pilot: Any) -> None:
        await wait_for(pilot, lambda: "FO11" in str(app.screen.query_one("#col-follow-up").numbers))
        await pilot.press("3")
        await wait_for(pilot, lambda: getattr(app.screen, "stats", None) is not None)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded)
