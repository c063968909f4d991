"""Where the keys go: the cursor's column and row, escape out of a view, dialogs' defaults."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input, OptionList

from tests.conftest import FROZEN
from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.board import Board
from tui.domain import EntryKind, Move, OrderDraft, Outcome, Stage
from tui.screens.board import BoardScreen
from tui.screens.questions import ReasonModal
from tui.store import Store

SIZE = (80, 24)


def board_screen(app: object) -> BoardScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, BoardScreen)
    return screen


async def test_through_an_empty_column_the_row_is_kept(db_path: Path) -> None:
    # 'l' onto an empty column and 'h' back landed on the first card.
    board = Board(Store(db_path), clock=lambda: FROZEN)
    for number in ("FO1", "FO2", "FO3"):
        board.add_order(OrderDraft(number, "jane"))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO3")
        await pilot.press("j", "j", "l", "h")
        await pilot.pause(0.1)
        assert board_screen(app).current_order().number == "FO3"  # type: ignore[union-attr]


async def test_keys_on_a_board_whose_orders_are_all_closed_point_at_the_archive(
    db_path: Path,
) -> None:
    board = Board(Store(db_path), clock=lambda: FROZEN)
    board.add_order(OrderDraft("FO1", "jane"))
    board.move("FO1", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause(0.3)
        await pilot.press("x")
        await wait_for(pilot, lambda: bool(list(app._notifications)))
        said = [n.message for n in app._notifications]
        assert said == ["Every order is closed: a shows the archive"]


async def test_escape_leaves_the_stats_and_the_lessons_library(db_path: Path) -> None:
    # Only '1' went back; escape did nothing there.
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("3")
        await wait_for(pilot, lambda: app.current_mode == "stats")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.current_mode == "board")
        await pilot.press("2")
        await wait_for(pilot, lambda: app.current_mode == "lessons")
        await pilot.press("slash", *"scope")
        await pilot.press("escape")  # first the search goes
        await pilot.pause(0.1)
        assert app.current_mode == "lessons"
        assert app.screen.query_one("#search", Input).value == ""
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.current_mode == "board")


async def test_the_reasons_default_is_in_sight_in_a_short_terminal(db_path: Path) -> None:
    # At 40x12 the list gave up rows below 'Other', the default: enter recorded it unseen.
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("greater_than_sign")
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonModal))
        await pilot.pause(0.2)
        reasons = app.screen.query_one("#reasons", OptionList)
        assert reasons.highlighted_option is not None
        assert reasons.highlighted_option.id == "other"
        assert "Other" in screen_text(app)


async def test_a_pasted_tab_is_a_space(db_path: Path) -> None:
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        await pilot.press("n")
        await wait_for_text(pilot, "New order")
        field = app.screen.query_one("#f-buyer", Input)
        field.focus()
        await pilot.pause()
        field.post_message(events.Paste("hank\n  the\tbuyer\n"))
        await wait_for(pilot, lambda: field.value != "")
        assert field.value == "hank the buyer"


async def test_g_and_shift_g_go_to_the_top_and_bottom_of_the_stats_and_the_library(
    db_path: Path,
) -> None:
    # They go to the first and last card in the board's columns, and did nothing here.
    board = Board(Store(db_path), clock=lambda: FROZEN)
    for n in range(12):
        board.add_order(OrderDraft(f"FO{n:02d}", f"buyer-{n:02d}", amount="20"))
        board.add_entry(f"FO{n:02d}", EntryKind.LESSON, f"lesson number {n}")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO00")
        await pilot.press("3")
        await wait_for_text(pilot, "12 cases: 12 open")
        assert "Buyers with more than one case" not in screen_text(app)
        await pilot.press("G")
        await wait_for_text(pilot, "Buyers with more than one case")
        assert "12 cases: 12 open" not in screen_text(app)
        await pilot.press("g")
        await wait_for_text(pilot, "12 cases: 12 open")
        await pilot.press("2")
        await wait_for_text(pilot, "lesson number 11")  # the newest first
        listing = app.screen.query_one("#lesson-list", OptionList)
        assert "lesson number 0" not in screen_text(app)
        await pilot.press("G")
        await wait_for_text(pilot, "lesson number 0")
        assert listing.highlighted == listing.option_count - 1
        assert "lesson number 11" not in screen_text(app)
        await pilot.press("g")
        await wait_for_text(pilot, "lesson number 11")
        assert listing.highlighted == 0
