"""A big board's start draws the cards a terminal shows first, and the rest right after.

Converting every open order before the first paint was ~14 ms of a 1,000-open-order start
(and laying out their cards ~10 ms more) for cards no one can see yet. The start converts
the first cards of each stage (a column shows a few dozen at most); the board's screen
draws them, with every column's title and the board's count already right, then shows
the rest. A damaged order among the rest still ends the session with one line, as a
damaged order among the first ones does before the board opens.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets._header import HeaderTitle

from tests.ui.helpers import screen_text, wait_for, wait_for_text
from tui import cli
from tui.app import CancelboardApp
from tui.board import Board, FirstCards, OrderDraft
from tui.domain import Move, Outcome, Stage, Stored
from tui.screens.board import BoardScreen
from tui.store import Store, StoreError
from tui.widgets.column import StageColumn

SIZE = (100, 30)
TALK = [f"FO{n:02d}" for n in range(1, 31)]
"""Thirty orders in Talk to buyer, the oldest first."""
FOLLOW = ["FU1", "FU2"]


def seed(db: Path) -> Board:
    minutes = iter(range(1000))
    start = Board(Store(db)).clock()
    board = Board(Store(db), clock=lambda: start + timedelta(minutes=next(minutes)))
    for number in TALK:
        board.add_order(OrderDraft(number, f"buyer-{number.lower()}"))
    for number in FOLLOW:
        board.add_order(OrderDraft(number, f"buyer-{number.lower()}"))
        board.move(number, Move(Stage.FOLLOW_UP, outcome=Outcome.SAVED))
    return board


def stored_stage(db: Path, number: str) -> str:
    data = json.loads(db.read_text())
    (doc,) = [d for d in data["orders"].values() if isinstance(d, dict) and d["order"] == number]
    return str(doc["stage"])


def damage(db: Path, number: str) -> None:
    """Give an order an amount that is not a number, as a hand edit might."""
    data = json.loads(db.read_text())
    for doc in data["orders"].values():
        if isinstance(doc, dict) and doc.get("order") == number:
            doc["amount_cents"] = "lots"
    db.write_text(json.dumps(data))


def assert_ended_on_the_damaged_order(app: CancelboardApp, db: Path) -> None:
    """The session ended with exit status 2 and one line naming the file and the order."""
    assert app.return_code == 2
    message = app.fatal_error_message or ""
    assert f"order {TALK[-1]} is damaged" in message and str(db) in message
    assert "\n" not in message


def opened_as_the_cli_does(db: Path, per_stage: int = 4) -> CancelboardApp:
    store = Store(db)
    store.open(archive_backup=False)
    board = Board(store)
    board.lazy_details = True
    board.first_cards = board.first_orders(per_stage)
    return CancelboardApp(board)


def talk_column(app: CancelboardApp) -> StageColumn:
    return app.screen.query_one(f"#col-{Stage.TALK.value}", StageColumn)


def test_the_first_cards_are_the_first_of_each_stage(db_path: Path) -> None:
    seed(db_path)
    board = Board(Store(db_path))
    first = board.first_orders(4)
    assert first is not None
    assert [o.number for o in first.orders] == [*TALK[:4], *FOLLOW]
    assert first.counts == {Stage.TALK: 30, Stage.FOLLOW_UP: 2}
    assert board.first_orders(30) is None  # every open order fits: all are read


def test_a_stage_time_that_cannot_be_read_leaves_them_all_to_be_read(db_path: Path) -> None:
    seed(db_path)
    data = json.loads(db_path.read_text())
    for doc in data["orders"].values():
        if isinstance(doc, dict) and doc.get("order") == TALK[-1]:
            doc["entered_stage_at"] = "yesterday"
    db_path.write_text(json.dumps(data))
    board = Board(Store(db_path))
    assert board.first_orders(4) is None
    with pytest.raises(StoreError, match=f"order {TALK[-1]} is damaged"):
        board.orders()


def wrapped_rest(
    monkeypatch: pytest.MonkeyPatch, before: Callable[[BoardScreen], None]
) -> list[bool]:
    """Run ``before`` just as the board's screen is about to show the rest."""
    original = BoardScreen._show_the_rest
    ran: list[bool] = []

    def show_the_rest(screen: BoardScreen) -> Coroutine[Any, Any, None]:
        before(screen)
        ran.append(True)
        return original(screen)

    monkeypatch.setattr(BoardScreen, "_show_the_rest", show_the_rest)
    return ran


async def test_the_first_paint_counts_every_card_and_the_rest_follow(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_path)
    seen: dict[str, Any] = {}

    def before(screen: BoardScreen) -> None:
        column = screen.query_one(f"#col-{Stage.TALK.value}", StageColumn)
        seen["numbers"] = list(column.numbers)
        seen["title"] = str(column.heading.render())
        seen["summary"] = screen.sub_title
        seen["header"] = str(screen.query_one(HeaderTitle).render())

    ran = wrapped_rest(monkeypatch, before)
    app = opened_as_the_cli_does(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(talk_column(app).numbers) == len(TALK))
        assert ran == [True]
        # Drawn first: the four oldest, under a title that counts all thirty.
        assert seen["numbers"] == TALK[:4]
        assert "(30)" in seen["title"]
        assert seen["summary"] == "32 open"
        assert "32 open" in seen["header"]  # in the first frame's header too
        assert talk_column(app).numbers == TALK
        assert "(30)" in str(talk_column(app).heading.render())
        await pilot.press("G")
        await wait_for_text(pilot, TALK[-1])
        assert talk_column(app).current_number == TALK[-1]
        # Entries and history are read for every order once drawn, not only the first.
        orders = app.screen.orders.values()
        await wait_for(
            pilot, lambda: not any(isinstance(o.__dict__["_history"], Stored) for o in orders)
        )


async def test_a_damaged_order_among_the_rest_ends_the_session_with_one_line(
    db_path: Path,
) -> None:
    seed(db_path)
    damage(db_path, TALK[-1])
    before = db_path.read_bytes()
    app = opened_as_the_cli_does(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.is_running)
    assert_ended_on_the_damaged_order(app, db_path)
    assert db_path.read_bytes() == before


async def test_the_rest_come_while_another_view_is_shown(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lessons view opened before the rest came (a key typed ahead): back on the
    board, every card is there."""
    seed(db_path)
    wrapped_rest(monkeypatch, lambda screen: screen.app.switch_mode("lessons"))
    app = opened_as_the_cli_does(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.current_mode == "lessons")
        await pilot.pause(0.2)
        await pilot.press("1")
        await wait_for(pilot, lambda: app.current_mode == "board")
        await wait_for(pilot, lambda: len(talk_column(app).numbers) == len(TALK))
        await pilot.press("G")
        await wait_for_text(pilot, TALK[-1])
        assert "(30)" in screen_text(app)


@pytest.mark.parametrize(("lines", "first_talk"), [("24", 8), ("40", 12), ("200", None)])
def test_the_start_reads_the_cards_the_terminal_has_room_for(
    lines: str, first_talk: int | None, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A card takes four rows at least (three lines and a divider under it): eight cards
    take more lines than 24 rows have. A terminal tall enough for every card reads them all
    before the board opens."""
    seed(db_path)
    seen: list[FirstCards | None] = []
    monkeypatch.setattr(CancelboardApp, "run", lambda app: seen.append(app.board.first_cards))
    monkeypatch.setenv("LINES", lines)
    try:
        assert cli.main(["--db", str(db_path)]) == 0
    finally:
        gc.unfreeze()  # what the command froze and left to the app (which did not run)
        gc.enable()
    (first,) = seen
    if first_talk is None:
        assert first is None
    else:
        assert first is not None
        assert [o.number for o in first.orders] == [*TALK[:first_talk], *FOLLOW]


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(["l", "l", "l", "greater_than_sign"], id="a move"),
        pytest.param(["u"], id="undo"),
        pytest.param(["a"], id="the archive"),
    ],
)
async def test_keys_before_the_rest_never_write_past_a_damaged_order(
    keys: list[str], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys typed before the rest are read (a burst over SSH): a change waits for them, and
    a damaged one among them ends the session with one line whichever read finds it
    first, with nothing written, as when the board refused to open."""
    seed(db_path)
    damage(db_path, TALK[-1])
    before = db_path.read_bytes()
    original = BoardScreen._show_the_rest

    async def later(screen: BoardScreen) -> None:
        await asyncio.sleep(0.5)  # the keys come first
        await original(screen)

    monkeypatch.setattr(BoardScreen, "_show_the_rest", later)
    app = opened_as_the_cli_does(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, TALK[0])
        await pilot.press(*keys)
        await wait_for(pilot, lambda: not app.is_running)
    assert_ended_on_the_damaged_order(app, db_path)
    assert db_path.read_bytes() == before
    assert stored_stage(db_path, FOLLOW[0]) == Stage.FOLLOW_UP.value


async def test_a_key_typed_before_the_rest_acts_on_them_all(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``G`` typed as the board appears (before the rest of its cards are shown) goes to
    the last card of all, not of the first ones; ``k`` typed after it moves on from there."""
    seed(db_path)
    original = BoardScreen._show_the_rest

    async def later(screen: BoardScreen) -> None:
        await asyncio.sleep(0.3)
        await original(screen)

    monkeypatch.setattr(BoardScreen, "_show_the_rest", later)
    app = opened_as_the_cli_does(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, TALK[0])
        assert talk_column(app).numbers == TALK[:4]  # the rest not shown yet
        await pilot.press("G", "k")
        await wait_for(pilot, lambda: len(talk_column(app).numbers) == len(TALK))
        await wait_for(pilot, lambda: talk_column(app).current_number == TALK[-2])
        await wait_for_text(pilot, TALK[-2])
