"""The board's clock: countdowns tick on the minute, windows as configured."""

from __future__ import annotations

import types
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import FROZEN
from tests.ui.helpers import screen_text, wait_for, wait_for_text
from tui.app import CancelboardApp
from tui.board import Board
from tui.domain import Move, OrderDraft, Outcome, Settings, Stage
from tui.screens import board as board_screen
from tui.store import Store


async def test_countdowns_tick_on_the_clocks_minute(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ticked a minute from the board's start, a window closing at 18:03:56 still said
    # "0m left" at 18:05. The first tick waits for the clock's next minute: here the
    # clock is 0.3 s before it.
    monkeypatch.setattr(board_screen, "time", types.SimpleNamespace(time=lambda: 59.7))
    now = [FROZEN]
    board = Board(Store(db_path), clock=lambda: now[0])
    board.add_order(OrderDraft("FO1", "jane"))
    board.move("FO1", Move(Stage.REQUESTED))
    app = CancelboardApp(Board(Store(db_path), clock=lambda: now[0]))
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for_text(pilot, "48h left")
        now[0] = FROZEN + timedelta(hours=47, minutes=59, seconds=30)
        await wait_for(pilot, lambda: "0m left" in screen_text(app), timeout=2.0)
        assert "48h left" not in screen_text(app)


async def test_the_answer_dialog_names_the_window_as_configured(db_path: Path) -> None:
    # It said "No answer in 48 h" whatever the window was set to.
    settings = Settings(answer_window=timedelta(hours=72))
    board = Board(Store(db_path), clock=lambda: FROZEN, settings=settings)
    board.add_order(OrderDraft("FO1", "jane"))
    board.move("FO1", Move(Stage.REQUESTED))
    app = CancelboardApp(Board(Store(db_path), clock=lambda: FROZEN, settings=settings))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_text(pilot, "72h left")
        await pilot.press("l", "greater_than_sign")
        await wait_for_text(pilot, "No answer in 72 h: auto-cancelled")
        await pilot.press("n")
        await wait_for_text(pilot, "Fiverr cancels after 72 h of")


async def test_o_on_a_closed_order_says_how_to_reopen_it(db_path: Path) -> None:
    # It pointed at x, which closes: the order is closed already.
    board = Board(Store(db_path), clock=lambda: FROZEN)
    board.add_order(OrderDraft("FO1", "jane"))
    board.move("FO1", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    app = CancelboardApp(Board(Store(db_path), clock=lambda: datetime.now().astimezone()))
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause(0.3)
        await pilot.press("a")
        await wait_for_text(pilot, "FO1")
        await pilot.press(*"lllll")
        await wait_for(pilot, lambda: app.screen.current_order() is not None)  # type: ignore[attr-defined]
        app._notifications.clear()
        await pilot.press("o")
        await wait_for(pilot, lambda: bool(list(app._notifications)))
        assert [n.message for n in app._notifications] == [
            "Nothing to record in Closed: < reopens it"
        ]
