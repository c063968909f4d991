"""The Fiverr flow in depth under Pilot: outcomes by key, filter, undo, templates, lessons."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Input, OptionList

from tests.conftest import FROZEN, stored_orders
from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.app import CancelboardApp
from tui.board import Board
from tui.domain import EntryKind, Initiator, Move, OrderDraft, Outcome, Stage, ValidationError
from tui.screens import board as board_screen
from tui.screens import lessons as lessons_screen
from tui.screens.editor import EntryEditor
from tui.store import Store, archive_path_of

SIZE = (80, 24)


def stored(db: Path) -> dict[str, dict[str, object]]:
    return stored_orders(db)


def notices(app: CancelboardApp) -> list[str]:
    return [n.message for n in app._notifications]


def seed(db: Path, *numbers: str, stage: Stage = Stage.TALK) -> Board:
    board = Board(Store(db), clock=lambda: FROZEN)
    for number in numbers:
        board.add_order(OrderDraft(number, f"buyer-{number.lower()}", gig="Logo", amount="20"))
        if stage is not Stage.TALK:
            board.move(number, Move(Stage.REQUESTED))
        if stage is Stage.REVIEW:
            board.move(number, Move(Stage.REVIEW))
    return board


async def test_cs_decision_for_the_buyer(db_path: Path) -> None:
    seed(db_path, "FO1", stage=Stage.REVIEW)
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        app.screen.focus_column(app.screen.query_one("#col-review"))  # type: ignore[attr-defined]
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "what did CS decide?")
        await pilot.press("b")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "follow-up")
        assert stored(db_path)["FO1"]["outcome"] == "cancelled-by-cs"


async def test_saved_and_partial_refund_recorded_with_o(db_path: Path) -> None:
    seed(db_path, "FO1", "FO2")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("o")
        await wait_for_text(pilot, "record an outcome")
        await pilot.press("s")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "follow-up")
        assert stored(db_path)["FO1"]["outcome"] == "saved"
        app.screen.focus_column(app.screen.query_one("#col-talk"))  # type: ignore[attr-defined]
        await pilot.press("o")
        await wait_for_text(pilot, "record an outcome")
        await pilot.press("p")
        await wait_for_text(pilot, "Refund amount")
        await pilot.press(*"abc", "enter")
        await wait_for_text(pilot, "refund: not a non-negative number")
        assert stored(db_path)["FO2"]["stage"] == "talk"
        await pilot.press("ctrl+u", *"7.50", "enter")
        await wait_for(pilot, lambda: stored(db_path)["FO2"]["stage"] == "follow-up")
        assert stored(db_path)["FO2"]["outcome"] == "partial-refund"
        assert stored(db_path)["FO2"]["refund_cents"] == 750


async def test_a_partial_refund_of_the_whole_amount_is_refused_in_the_dialogs(
    db_path: Path,
) -> None:
    # 20.00 on a 20.00 order was recorded as a partial refund (20.01 was refused).
    seed(db_path, "FO1")
    said = "refund: a partial refund must be less than the order's 20.00 USD"
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        for key, title in (("o", "record an outcome"), ("x", "Close FO1 with outcome")):
            await pilot.press(key)
            await wait_for_text(pilot, title)
            await pilot.press("p")
            await wait_for_text(pilot, "Refund amount")
            await pilot.press(*"20.00", "enter")
            await wait_for_text(pilot, said)
            assert (stored(db_path)["FO1"]["stage"], stored(db_path)["FO1"]["outcome"]) == (
                "talk",
                None,
            )
            await pilot.press("ctrl+u", *"19.99", "enter")
            await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] != "talk")
            assert stored(db_path)["FO1"]["refund_cents"] == 1999
            await pilot.press("u")
            await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "talk")


async def test_keep_talking_then_back_from_follow_up_leave_no_old_request(db_path: Path) -> None:
    # Back in talk, the order still said "reason: … · asked by buyer"; '<' from follow-up
    # kept the follow-up date, and went back to that old request instead of to talk.
    from tui.screens.order import OrderScreen

    board = seed(db_path, "FO1")
    board.move("FO1", Move(Stage.REQUESTED, reason="scope", initiator=Initiator.BUYER))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        app.screen.focus_column(app.screen.query_one("#col-requested"))  # type: ignore[attr-defined]
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "what did you answer?")  # the buyer asked
        await pilot.press("t")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "talk")
        assert (stored(db_path)["FO1"]["reason"], stored(db_path)["FO1"]["initiator"]) == ("", None)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await wait_for_text(pilot, "request withdrawn")
        assert "asked by" not in screen_text(app) and "reason:" not in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, OrderScreen))
        await pilot.press("o")
        await wait_for_text(pilot, "record an outcome")
        await pilot.press("s")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "follow-up")
        assert stored(db_path)["FO1"]["follow_up_due"] is not None
        await pilot.press("less_than_sign")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "talk")
        assert stored(db_path)["FO1"]["follow_up_due"] is None


async def test_close_with_x_then_archive_and_reopen(db_path: Path) -> None:
    seed(db_path, "FO1")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("x")
        await wait_for_text(pilot, "Close FO1 with outcome")
        await pilot.press("w")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "closed")
        assert stored(db_path)["FO1"]["outcome"] == "withdrawn"
        # The card left the board: a notice says where it went.
        await wait_for(pilot, lambda: "FO1 → Closed" in notices(app))
        await pilot.press("a")
        await wait_for_text(pilot, "Closed (1)")
        await pilot.press("u")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "talk")
        assert any("Undone: closed FO1" in n for n in notices(app))


async def test_a_move_on_the_board_shows_the_card_not_a_notice_over_it(db_path: Path) -> None:
    seed(db_path, "FO1", stage=Stage.REQUESTED)
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("l", "greater_than_sign")
        await wait_for_text(pilot, "what did the buyer answer?")
        await pilot.press("a")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "follow-up")
        # The card is in its new column with the cursor on it, and nothing covers it.
        await wait_for(pilot, lambda: app.screen.current_order().stage is Stage.FOLLOW_UP)  # type: ignore[attr-defined]
        await pilot.pause(0.2)
        assert notices(app) == []
        assert "FO1" in screen_text(app)


async def test_the_buyers_own_request_asks_what_the_seller_answered(db_path: Path) -> None:
    # It asked "what did the buyer answer?" and offered "Buyer accepted" for a request
    # the buyer had made, recording that the buyer accepted.
    board = Board(Store(db_path), clock=lambda: FROZEN)
    board.add_order(OrderDraft("FO1", "jane"))
    board.move("FO1", Move(Stage.REQUESTED, initiator=Initiator.BUYER))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("l", "greater_than_sign")
        await wait_for_text(pilot, "the buyer asked to cancel; what did you answer?")
        text = screen_text(app)
        assert "I accepted: cancelled" in text and "Buyer accepted" not in text
        await pilot.press("n")
        await wait_for_text(pilot, "You have 48h left to answer")
        await pilot.press("a")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "follow-up")
    assert Board(Store(db_path)).get("FO1").outcome.label == "cancelled, both agreed"  # type: ignore[union-attr]


async def test_filter_narrows_live_and_escape_clears(db_path: Path) -> None:
    board = seed(db_path, "FO1", "FO2", "FO3")
    board.add_entry("FO2", EntryKind.MESSAGE, "the colours are wrong")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO3")
        await pilot.press("slash", *"colours")
        await wait_for(pilot, lambda: "FO1" not in screen_text(app))
        text = screen_text(app)
        assert "FO2" in text and "FO3" not in text
        await pilot.press("escape")
        await wait_for_text(pilot, "FO3")
        assert "FO1" in screen_text(app)
        # Tags filter too.
        board.edit_order("FO3", OrderDraft("FO3", "buyer-fo3", tags="#repeat-buyer"))
        await pilot.press("slash", *"#repeat")
        await wait_for(pilot, lambda: "FO1" not in screen_text(app))
        assert "FO3" in screen_text(app)


async def test_a_filter_puts_the_cursor_on_the_first_match_when_its_card_goes(
    db_path: Path,
) -> None:
    # Down the column, a filter left the cursor where its card had been: on the last
    # match, so enter opened that one.
    board = seed(db_path, *(f"FO{n}" for n in range(1, 9)))
    for number in ("FO2", "FO3", "FO5"):
        board.add_entry(number, EntryKind.NOTE, "brief came late")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press(*"jjjjjjj")
        screen = app.screen
        assert isinstance(screen, board_screen.BoardScreen)
        await wait_for(pilot, lambda: screen.current_order().number == "FO8")  # type: ignore[union-attr]
        await pilot.press("slash", *"late", "enter")
        await wait_for(pilot, lambda: "FO1" not in screen_text(app))
        order = screen.current_order()
        assert order is not None and order.number == "FO2"


async def test_a_filter_matching_no_open_order_says_the_archive_was_not_searched(
    db_path: Path,
) -> None:
    # A match among closed orders showed every column at (0), with no sign of it.
    board = seed(db_path, "FO1", "FO7")
    board.edit_order("FO7", OrderDraft("FO7", "gus"))
    board.move("FO7", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("slash", *"gus")
        await wait_for_text(pilot, "No open order matches the filter: a shows the closed ones")
        assert "FO7" not in screen_text(app)
        await pilot.press("backspace", "backspace", "backspace")  # no filter: no such line
        await wait_for(pilot, lambda: "No open order" not in screen_text(app))
        await pilot.press(*"gus", "enter", "a")
        await wait_for_text(pilot, "FO7")
        assert "No open order" not in screen_text(app)
        # The cursor is on it, not left in the empty column it was in.
        screen = app.screen
        assert isinstance(screen, board_screen.BoardScreen)
        await wait_for(
            pilot, lambda: (o := screen.current_order()) is not None and o.number == "FO7"
        )


async def test_template_fills_placeholders_logs_and_copies(db_path: Path) -> None:
    seed(db_path, "FO1")
    app = make_app(db_path, clock=lambda: FROZEN)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("T")
        await wait_for_text(pilot, "Message templates")
        await wait_for_text(pilot, "Ask the reason")
        await pilot.press("enter")
        await wait_for_text(pilot, "Buyer message")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(stored(db_path)["FO1"]["entries"]))
    entry = stored(db_path)["FO1"]["entries"][0]  # type: ignore[index]
    assert entry["direction"] == "me"
    assert entry["text"].startswith("Hi buyer-fo1,")
    assert "order FO1" in entry["text"] and "{" not in entry["text"]
    assert copied == [entry["text"]]


async def test_lessons_library_lists_lessons_of_two_orders_and_searches(db_path: Path) -> None:
    board = seed(db_path, "FO1", "FO2")
    board.add_entry("FO1", EntryKind.LESSON, "agree the scope in writing", tags="#scope")
    board.add_entry("FO2", EntryKind.LESSON, "answer within a day", tags="#speed")
    board.move("FO1", Move(Stage.FOLLOW_UP, outcome=Outcome.PARTIAL_REFUND, refund="5"))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("2")
        await wait_for_text(pilot, "agree the scope")
        text = screen_text(app)
        assert "FO1" in text and "FO2" in text and "answer within a day" in text
        assert "FO1 (partial refund)" in text  # as everywhere else, not "partial-refund"
        await pilot.press("slash", *"#speed")
        await wait_for(pilot, lambda: "agree the scope" not in screen_text(app))
        assert "answer within a day" in screen_text(app)
        await pilot.press("escape", "n")
        await wait_for_text(pilot, "Lesson learned")
        await pilot.press(*"general wisdom", "ctrl+s")
        await wait_for_text(pilot, "general wisdom")
        assert "general" in screen_text(app)
        await pilot.press("1")
        await wait_for_text(pilot, "Talk to buyer")
    assert [e.text for e in Board(Store(db_path)).general_lessons()] == ["general wisdom"]


async def test_lessons_library_shows_lessons_added_in_this_session(db_path: Path) -> None:
    # It showed the list it read first: a lesson added on the board or an order's screen
    # (L, then ctrl+s) was missing, and so was it from the count, until another program
    # wrote the file.
    board = seed(db_path, "FO1")
    board.add_entry("FO1", EntryKind.LESSON, "first lesson")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("2")
        await wait_for_text(pilot, "Lessons (1 of 1)")
        await pilot.press("1")
        await wait_for_text(pilot, "Talk to buyer")
        await pilot.press("L")
        await wait_for_text(pilot, "Lesson learned")
        await pilot.press(*"lesson from the board", "ctrl+s")
        await wait_for(pilot, lambda: "lesson from the board" in db_path.read_text())
        await pilot.press("2")
        await wait_for_text(pilot, "Lessons (2 of 2)")
        await wait_for_text(pilot, "lesson from the board")  # its list, a frame later
        await pilot.press("1")
        await wait_for_text(pilot, "Talk to buyer")
        await pilot.press("enter")
        await wait_for_text(pilot, "Notes (0)")
        await pilot.press("L")
        await wait_for_text(pilot, "Lesson learned")
        await pilot.press(*"lesson from the order", "ctrl+s")
        await wait_for(pilot, lambda: "lesson from the order" in db_path.read_text())
        await pilot.press("2")
        await wait_for_text(pilot, "Lessons (3 of 3)")
        await wait_for_text(pilot, "lesson from the order")


async def test_lessons_library_shown_takes_in_a_lesson_this_session_writes(
    db_path: Path,
) -> None:
    # A lesson written here while the library is shown (saved as 2 was pressed) shows
    # once it is on disk: the watch took the file as already seen.
    board = seed(db_path, "FO1")
    app = make_app(db_path, clock=lambda: FROZEN, watch_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("2")
        await wait_for_text(pilot, "Lessons (0 of 0)")
        await app.write(board.add_entry, "FO1", EntryKind.LESSON, "written meanwhile")
        app.changed()
        await wait_for_text(pilot, "Lessons (1 of 1)")
        await wait_for_text(pilot, "written meanwhile")  # its list drawn after the title


async def test_lessons_library_lists_the_newest_and_searches_them_all(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Years of lessons: the newest are listed (laying out 10,000 took ~10 s), and a search
    # still finds any other.
    monkeypatch.setattr(lessons_screen, "LESSONS_SHOWN", 3)
    seed(db_path, "FO1")
    for n in range(5):
        later = Board(Store(db_path), clock=lambda n=n: FROZEN + timedelta(hours=n))
        later.add_entry("FO1", EntryKind.LESSON, f"lesson number {n}")
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("2")
        await wait_for_text(pilot, "Lessons (newest 3 of 5)")
        text = screen_text(app)
        assert "lesson number 4" in text and "lesson number 2" in text
        assert "lesson number 1" not in text and "2 older: / searches them all." in text
        await pilot.press("slash", *"number 0")
        await wait_for_text(pilot, "lesson number 0")
        assert "Lessons (1 of 5)" in screen_text(app)


STEPS = "\n".join(f"step {n:03d}" for n in range(1, 61))
"""A checklist lesson taller than the library at 80x24."""


async def test_a_lesson_taller_than_the_library_can_be_read_line_by_line(db_path: Path) -> None:
    # At 80x24 the library showed steps 001-019 of a 60-line lesson, and one j jumped to
    # the next lesson (steps 045-060 in sight): 020-044 were never shown.
    board = seed(db_path, "FO1", "FO3")
    board.add_entry("FO1", EntryKind.LESSON, "older short lesson")
    later = Board(Store(db_path), clock=lambda: FROZEN + timedelta(hours=1))
    later.add_entry("FO3", EntryKind.LESSON, STEPS, tags="#checklist")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO3")
        await pilot.press("2")
        await wait_for_text(pilot, "step 001")
        seen = set()
        for _ in range(80):
            text = screen_text(app)
            seen |= {n for n in range(1, 61) if f"step {n:03d}" in text}
            if "older short lesson" in text:
                break
            await pilot.press("j")
        assert seen == set(range(1, 61)), sorted(set(range(1, 61)) - seen)
        await pilot.press("pageup", "pageup", "pageup", "pageup")
        await wait_for_text(pilot, "step 001")
        assert any(what == "Read it whole" for _, _, what in app.key_rows())


async def test_enter_reads_a_general_lesson_whole_in_the_library(db_path: Path) -> None:
    # A general lesson has no order screen: in the library, enter did nothing.
    from tui.screens.entry_view import EntryModal
    from tui.screens.lessons import LessonsScreen

    Board(Store(db_path), clock=lambda: FROZEN).add_general_lesson(STEPS + "\nTHE END")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "Talk to buyer")
        await pilot.press("2")
        await wait_for_text(pilot, "step 001")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EntryModal))
        await wait_for_text(pilot, "Lesson · general")
        assert "THE END" not in screen_text(app)
        await pilot.press("G")
        await wait_for_text(pilot, "THE END")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonsScreen))


async def test_history_shows_every_change_and_copies(db_path: Path) -> None:
    board = seed(db_path, "FO1", stage=Stage.REQUESTED)
    board.add_entry("FO1", EntryKind.NOTE, "called")
    app = make_app(db_path, clock=lambda: FROZEN)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        app.screen.focus_column(app.screen.query_one("#col-requested"))  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for_text(pilot, "called")
        await pilot.press("H")
        await wait_for_text(pilot, "History of FO1")
        text = screen_text(app)
        assert "created" in text and "Talk to buyer -> Cancellation requested" in text
        await pilot.press("y")
        assert copied and "note · called" in copied[0]


async def test_history_shows_a_buyer_message_whole_and_copies_it(db_path: Path) -> None:
    # The timeline for a CS ticket cut the buyer's words: "…never replied to my thr…".
    says = (
        "I am cancelling because the designer never replied to my three emails about"
        " the logo colours, and my launch date has passed: refund please"
    )
    board = seed(db_path, "FO1")
    board.add_entry("FO1", EntryKind.MESSAGE, says)
    app = make_app(db_path, clock=lambda: FROZEN)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("H")
        await wait_for_text(pilot, "History of FO1")
        shown = " ".join(screen_text(app).replace("│", " ").split())
        assert "message · from buyer: I am cancelling because" in shown
        assert "launch date has passed: refund please" in shown
        assert "…" not in shown
        await pilot.press("y")
        assert copied and f"message · from buyer: {says}\n" in copied[0] + "\n"


async def test_edit_with_e_and_delete_with_confirmation(db_path: Path) -> None:
    seed(db_path, "FO1")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("e")
        await wait_for_text(pilot, "Edit FO1")
        await pilot.press("tab", "ctrl+u", *"new_name", "ctrl+s")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["buyer"] == "new_name")
        await pilot.press("D")
        await wait_for_text(pilot, "Delete FO1")
        await pilot.press("y")
        await wait_for(pilot, lambda: stored(db_path) == {})
        await pilot.press("u")
        await wait_for(pilot, lambda: "FO1" in stored(db_path))


async def test_typing_in_an_edit_form_field_adds_to_what_it_holds(db_path: Path) -> None:
    # The field was selected on focus: the first key replaced it ('ABC' renamed FO1 to
    # ABC; ' (audio)' left the buyer as just that).
    seed(db_path, "FO1")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("e")
        await wait_for_text(pilot, "Edit FO1")
        await pilot.press(*"23", "tab", *"_k", "ctrl+s")
        await wait_for(pilot, lambda: "FO123" in stored(db_path))
        assert stored(db_path)["FO123"]["buyer"] == "buyer-fo1_k"


async def test_undoing_a_delete_puts_the_cursor_on_the_order_brought_back(
    db_path: Path,
) -> None:
    # The cursor stayed on the card that took its place: a note written next went there.
    seed(db_path, "FO1", "FO2", "FO3")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO3")
        screen = app.screen
        assert isinstance(screen, board_screen.BoardScreen)
        await pilot.press("j")
        await pilot.press("D")
        await wait_for_text(pilot, "Delete FO2")
        await pilot.press("y")
        await wait_for(pilot, lambda: "FO2" not in stored(db_path))
        await pilot.press("u")
        await wait_for(pilot, lambda: "FO2" in stored(db_path))
        await wait_for(
            pilot, lambda: (o := screen.current_order()) is not None and o.number == "FO2"
        )


async def test_undoing_a_delete_puts_the_card_back_where_it_was_in_its_column(
    db_path: Path,
) -> None:
    # Cards that entered their stage in the same second (added by a script, or under this
    # frozen clock) are in the order stored: the order brought back was stored anew, and
    # its card came back at the end of the column.
    seed(db_path, "FO1", "FO2", "FO3")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO3")
        screen = app.screen
        assert isinstance(screen, board_screen.BoardScreen)

        def column() -> list[str]:
            return [line[1:4] for line in screen_text(app).splitlines() if line[1:3] == "FO"]

        assert column() == ["FO1", "FO2", "FO3"]
        await pilot.press("j")
        await pilot.press("D")
        await wait_for_text(pilot, "Delete FO2")
        await pilot.press("y")
        await wait_for(pilot, lambda: column() == ["FO1", "FO3"])
        await pilot.press("u")
        await wait_for(pilot, lambda: "FO2" in stored(db_path))
        await wait_for(pilot, lambda: len(column()) == 3)
        assert column() == ["FO1", "FO2", "FO3"]
        assert list(stored(db_path)) == ["FO1", "FO2", "FO3"]  # so for another session too
        await wait_for(
            pilot, lambda: (o := screen.current_order()) is not None and o.number == "FO2"
        )


async def test_next_check_and_follow_up_dates_are_editable(db_path: Path) -> None:
    seed(db_path, "FO1", stage=Stage.REVIEW)
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_text(pilot, "FO1")
        app.screen.focus_column(app.screen.query_one("#col-review"))  # type: ignore[attr-defined]
        await pilot.press("e")
        await wait_for_text(pilot, "Next CS check")
        app.screen.query_one("#f-next_check").focus()
        await pilot.press(*"2026-11-26", "ctrl+s")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["next_check"] == "2026-11-26")
        await wait_for_text(pilot, "chk 11-26")
        app.screen.focus_column(app.screen.query_one("#col-review"))  # type: ignore[attr-defined]
        await pilot.press("e")
        await wait_for_text(pilot, "Next CS check")
        app.screen.query_one("#f-next_check").focus()
        await pilot.press("ctrl+u", *"someday", "ctrl+s")
        await wait_for_text(pilot, "not a date")


async def test_the_cs_ticket_and_the_requests_details_are_editable(db_path: Path) -> None:
    # The ticket could be typed only while escalating (it usually comes later), and the
    # request's details never again: no field, no command.
    board = seed(db_path, "FO1", stage=Stage.REVIEW)
    board.edit_order("FO1", OrderDraft("FO1", "buyer-fo1", gig="Logo", amount="20"))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_text(pilot, "FO1")
        app.screen.focus_column(app.screen.query_one("#col-review"))  # type: ignore[attr-defined]
        await pilot.press("e")
        await wait_for_text(pilot, "CS ticket")
        app.screen.query_one("#f-ticket").focus()
        await pilot.press(*"CS-4711", "tab", *"late brief", "ctrl+s")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["ticket"] == "CS-4711")
        assert stored(db_path)["FO1"]["reason_text"] == "late brief"
        assert stored(db_path)["FO1"]["history"][-1]["detail"] == (
            "CS ticket none -> CS-4711, reason details"
        )
        await pilot.press("enter")
        await wait_for_text(pilot, "CS ticket CS-4711")
        assert "late brief" in screen_text(app)


async def test_a_paste_of_several_lines_into_a_one_line_field_keeps_them_all(
    db_path: Path,
) -> None:
    # Textual's field kept the first line of a paste only: the buyer's second line was
    # lost without a word (the command line joins lines with spaces).
    seed(db_path, "FO1")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "enter: request")
        details = app.screen.query_one("#reason-text", Input)
        details.focus()
        await pilot.pause()
        details.post_message(events.Paste("buyer said:\n  [b]no[/b] thanks\n\n"))
        await wait_for(pilot, lambda: details.value != "")
        assert details.value == "buyer said: [b]no[/b] thanks"
        await pilot.press("enter")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "requested")
        assert stored(db_path)["FO1"]["reason_text"] == "buyer said: [b]no[/b] thanks"


def _damage_archive(db: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """Apply ``change`` to the archive file's data (its only closed order: FO1)."""
    archive = archive_path_of(db)
    data = json.loads(archive.read_text(encoding="utf-8"))
    change(next(iter(data["orders"].values())))
    archive.write_text(json.dumps(data), encoding="utf-8")
    return archive


def _close_and_damage(
    board: Board, db: Path, damage: Callable[[dict[str, Any]], None] | None
) -> bytes:
    """Close FO1, then damage it in the archive (``damage`` None: the archive is not JSON);
    the archive's bytes."""
    board.move("FO1", Move(Stage.CLOSED, outcome=Outcome.WITHDRAWN))
    if damage is None:
        archive_path_of(db).write_text('{"orders": ', encoding="utf-8")
    else:
        _damage_archive(db, damage)
    return archive_path_of(db).read_bytes()


def _bad_entries(doc: dict[str, Any]) -> None:
    doc["entries"] = [{"kind": "note"}]  # no id, no text


def _bad_stage(doc: dict[str, Any]) -> None:
    doc["stage"] = "nowhere"


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (_bad_entries, "order FO1: its entries are damaged"),
        (_bad_stage, "order FO1 is damaged"),
        (None, "board.archive.json"),
    ],
)
async def test_a_damaged_archive_is_refused_and_the_board_goes_on(
    db_path: Path, damage: Callable[[dict[str, Any]], None] | None, said: str
) -> None:
    board = seed(db_path, "FO1", "FO2")
    board.add_entry("FO1", EntryKind.NOTE, "kept")
    before = _close_and_damage(board, db_path, damage)
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("a")
        # One line naming the archive and what is wrong; the open orders stay, and keys
        # still work on them.
        await wait_for(pilot, lambda: any(said in n for n in notices(app)))
        message = next(n for n in notices(app) if said in n)
        assert str(archive_path_of(db_path)) in message and "\n" not in message
        assert app.is_running
        await wait_for(pilot, lambda: not app.screen.query_one("#col-closed").display)
        assert "FO2" in screen_text(app) and "Closed (" not in screen_text(app)
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "enter: request")  # FO2's cancellation request
        await pilot.press("escape")
    assert app.return_code in (None, 0)
    assert archive_path_of(db_path).read_bytes() == before  # refused, never rewritten


def _bad_lesson(doc: dict[str, Any]) -> None:
    doc["entries"] = [{"kind": "lesson", "id": "x", "text": "t", "at": "not a time"}]


def _bad_stage_change(doc: dict[str, Any]) -> None:
    doc["history"][-1]["at"] = "not a time"  # the close: stats read it for time in stage


@pytest.mark.parametrize(
    ("damage", "said", "stats_refused", "lessons_refused"),
    [
        (_bad_lesson, "order FO1 is damaged", False, True),  # stats read no entries
        (_bad_stage, "order FO1 is damaged", True, False),  # lessons need no stage
        (_bad_stage_change, "order FO1 is damaged", True, False),
        (None, "board.archive.json", True, True),
    ],
)
async def test_stats_and_lessons_say_what_is_wrong_with_a_damaged_archive(
    db_path: Path,
    damage: Callable[[dict[str, Any]], None] | None,
    said: str,
    stats_refused: bool,
    lessons_refused: bool,
) -> None:
    # They read the closed orders: a damaged archive ended the app with a traceback.
    board = seed(db_path, "FO1", "FO2")
    board.add_entry("FO2", EntryKind.LESSON, "an open order's lesson")
    before = _close_and_damage(board, db_path, damage)
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("3")
        if stats_refused:
            await wait_for_text(pilot, "No stats:")
            assert any(said in n and str(archive_path_of(db_path)) in n for n in notices(app))
        else:
            await wait_for_text(pilot, "2 cases:")
            assert notices(app) == []
        app._notifications.clear()
        await pilot.press("2")
        await wait_for_text(pilot, "an open order's lesson")  # the board file's lessons
        if lessons_refused:
            await wait_for(pilot, lambda: any(said in n for n in notices(app)))
        else:
            assert notices(app) == []
        await pilot.press("1")
        await wait_for_text(pilot, "FO2")
        assert app.is_running
    assert archive_path_of(db_path).read_bytes() == before


async def test_stats_are_read_once_a_visit_and_a_damaged_board_file_is_said(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[int] = []
    real = Board.stats
    monkeypatch.setattr(Board, "stats", lambda self: computed.append(1) or real(self))
    board = seed(db_path, "FO1")
    board.add_entry("FO1", EntryKind.LESSON, "a lesson")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("3")
        await wait_for_text(pilot, "1 case:")
        await pilot.pause(0.5)
        assert computed == [1]  # Textual resumes the screen twice on a first visit
        await pilot.press("1")
        await wait_for_text(pilot, "FO1")
        # Another program damages a lesson in the board file: the library says so.
        data = json.loads(db_path.read_text(encoding="utf-8"))
        next(iter(data["orders"].values()))["entries"][0]["at"] = "yesterday"
        db_path.write_text(json.dumps(data), encoding="utf-8")
        await wait_for(pilot, lambda: any("board.json" in n for n in notices(app)))
        app._notifications.clear()
        await pilot.press("2")
        await wait_for(pilot, lambda: any("order FO1 is damaged" in n for n in notices(app)))
        assert app.is_running


async def test_a_change_made_while_another_order_is_damaged_is_written_and_said(
    db_path: Path,
) -> None:
    # A hand edit damaged FO1 while the board was open; a note then saved on FO2 was
    # written, and the reload after it ended the app with a traceback.
    seed(db_path, "FO1", "FO2")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO2")
        data = json.loads(db_path.read_text(encoding="utf-8"))
        for doc in data["orders"].values():
            if doc["order"] == "FO1":
                doc["stage"] = "tallk"
        db_path.write_text(json.dumps(data), encoding="utf-8")
        await wait_for(pilot, lambda: any("order FO1 is damaged" in n for n in notices(app)))
        app._notifications.clear()
        await pilot.press("j")
        await wait_for(pilot, lambda: app.screen.current_order().number == "FO2")  # type: ignore[attr-defined]
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, EntryEditor))
        await pilot.press(*"called the buyer", "ctrl+s")
        await wait_for(pilot, lambda: any("order FO1 is damaged" in n for n in notices(app)))
        assert app.is_running
        await pilot.press("greater_than_sign")  # keys still work
        await wait_for_text(pilot, "enter: request")
        await pilot.press("escape")
    assert app.return_code in (None, 0)
    saved = json.loads(db_path.read_text(encoding="utf-8"))["orders"]
    fo2 = next(doc for doc in saved.values() if doc["order"] == "FO2")
    assert [entry["text"] for entry in fo2["entries"]] == ["called the buyer"]


async def test_showing_the_archive_again_freezes_nothing_more(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Objects are frozen out of the collector's passes once a load has made many; every
    # freeze also keeps the garbage of the moment, so showing the archive again (its
    # orders read already) must not freeze: it kept ~15,000 objects more each time.
    monkeypatch.setattr(board_screen, "FREEZE_ORDERS", 1)
    board = seed(db_path, "FO1", "FO2")
    board.move("FO1", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO2")
        frozen = []
        for _ in range(3):
            await pilot.press("a")
            await wait_for_text(pilot, "Closed (1)")
            await pilot.pause(0.3)
            await pilot.press("a")
            await wait_for(pilot, lambda: "Closed (" not in screen_text(app))
            await pilot.pause(0.3)
            frozen.append(gc.get_freeze_count())
        assert frozen[2] <= frozen[1] <= frozen[0]


async def test_the_archive_view_reads_closed_orders_entries_after_showing_them(
    db_path: Path,
) -> None:
    board = seed(db_path, "FO1", "FO2")
    board.add_entry("FO1", EntryKind.NOTE, "the buyer came back happy")
    board.move("FO1", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("a")
        await wait_for_text(pilot, "Closed (1)")
        # The filter looks in entries: a closed order's too.
        await pilot.press("slash", *"happy")
        await wait_for(pilot, lambda: "FO1" in screen_text(app) and "FO2" not in screen_text(app))


async def test_the_closed_column_shows_the_newest_and_a_filter_finds_any(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board_screen, "CLOSED_SHOWN", 2)
    moments = iter(FROZEN + timedelta(minutes=m) for m in range(100))
    board = Board(Store(db_path), clock=lambda: next(moments))
    for number in ("FO1", "FO2", "FO3"):
        board.add_order(OrderDraft(number, f"buyer-{number.lower()}"))
        board.move(number, Move(Stage.CLOSED, outcome=Outcome.SAVED))
    board.add_order(OrderDraft("FO4", "still-open"))
    app = make_app(db_path, clock=lambda: FROZEN + timedelta(hours=3))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_text(pilot, "FO4")
        await pilot.press("a")
        await wait_for_text(pilot, "Closed (newest 2")  # the title wraps: "of 3)" below
        text = screen_text(app)
        assert "│of 3)" in text
        assert "FO2" in text and "FO3" in text and "FO1" not in text
        await pilot.press("slash", *"buyer-fo1")
        await wait_for_text(pilot, "Closed (1)")
        assert "FO1" in screen_text(app)
        # Jumped to from the palette, an order older than the newest is shown too, under
        # the cursor (it stayed on another, which '<' then reopened).
        await pilot.press("escape", "escape", "a")
        await wait_for(pilot, lambda: "Closed" not in screen_text(app))
        app.open_order("FO1")
        await pilot.pause(0.2)
        await pilot.press("escape")
        screen = app.screen
        assert isinstance(screen, board_screen.BoardScreen)
        await wait_for(
            pilot, lambda: (o := screen.current_order()) is not None and o.number == "FO1"
        )
        assert "FO1" in screen_text(app) and "FO3" in screen_text(app)


def _opened_as_the_cli_does(db: Path) -> CancelboardApp:
    store = Store(db)
    store.open(archive_backup=False)
    board = Board(store)
    board.lazy_details = True
    return CancelboardApp(board)


async def test_the_archive_backup_is_made_after_the_board_is_drawn(db_path: Path) -> None:
    board = seed(db_path, "FO1", "FO2")
    board.move("FO1", Move(Stage.CLOSED, outcome=Outcome.WITHDRAWN))
    app = _opened_as_the_cli_does(db_path)
    assert app.board.store.archive_backups() == []  # not before the first paint
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO2")
        await wait_for(pilot, lambda: len(app.board.store.archive_backups()) == 1, timeout=20)
        (made,) = app.board.store.archive_backups()
        assert made.read_bytes() == archive_path_of(db_path).read_bytes()
        assert notices(app) == []
        await pilot.press("j")
        assert app.is_running


async def test_an_archive_backup_that_fails_is_said_and_the_board_goes_on(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = seed(db_path, "FO1", "FO2")
    board.move("FO1", Move(Stage.CLOSED, outcome=Outcome.WITHDRAWN))
    failing = tmp_path / "python"
    failing.write_text(
        "#!/bin/sh\necho 'board.archive.json: cannot write: disk full' >&2\nexit 1\n"
    )
    failing.chmod(0o755)
    monkeypatch.setattr(board_screen, "ARCHIVE_BACKUP", (str(failing),))
    app = _opened_as_the_cli_does(db_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO2")
        await wait_for(pilot, lambda: bool(notices(app)))
        assert notices(app) == [
            "No archive backup today: board.archive.json: cannot write: disk full"
        ]
        assert app.is_running and app.board.store.archive_backups() == []
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "enter: request")
        await pilot.press("escape")


async def test_enter_on_who_asked_sends_the_request_and_the_dialog_names_the_order(
    db_path: Path,
) -> None:
    Board(Store(db_path)).add_order(OrderDraft("FO1", "ann"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "FO1 · Cancellation requested: why?")
        await pilot.press("home", "j", "j", "k")  # j/k move in the reasons as on the board
        await pilot.press("tab", "space")  # who asked: the buyer
        await pilot.press("enter")  # the hint's "enter: request", from any field
        await wait_for(pilot, lambda: stored_orders(db_path)["FO1"]["stage"] == "requested")
        stored = stored_orders(db_path)["FO1"]
        assert stored["initiator"] == "buyer"
        assert stored["reason"] == Board(Store(db_path)).reasons()[1][0]


async def test_clearing_a_filter_keeps_the_card_found_or_goes_back_to_the_one_before(
    db_path: Path,
) -> None:
    board = Board(Store(db_path))
    for number, buyer in (("FO1", "ann"), ("FO2", "bob"), ("FO3", "cat")):
        board.add_order(OrderDraft(number, buyer))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO3")
        screen = app.screen
        assert isinstance(screen, board_screen.BoardScreen)

        def on_card() -> str | None:
            order = screen.current_order()
            return order.number if order else None

        await pilot.press("j", "j")
        assert on_card() == "FO3"
        # A filter that hides every card: escape comes back to the card it was on.
        await pilot.press("slash", *"zzz")
        await wait_for(pilot, lambda: "FO3" not in screen_text(app))
        await pilot.press("escape")
        await wait_for_text(pilot, "FO1")
        assert on_card() == "FO3"
        # A filter that finds a card: escape stays on the card found.
        await pilot.press("slash", *"bob", "enter")
        await wait_for(pilot, lambda: "FO3" not in screen_text(app))
        assert on_card() == "FO2"
        await pilot.press("escape")
        await wait_for_text(pilot, "FO3")
        assert on_card() == "FO2"


async def test_a_search_typed_in_one_burst_in_the_lessons_library_goes_into_it(
    db_path: Path,
) -> None:
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO1", "ann"))
    board.add_entry("FO1", EntryKind.LESSON, "scope creep: say no early", tags="#scope")
    board.add_entry("FO1", EntryKind.LESSON, "judge the brief", tags="#brief")
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("2")
        await wait_for_text(pilot, "judge the brief")
        for key in "/jk#scope":  # j/k: the list's keys; "/" answered before them
            app.post_message(events.Key("slash" if key == "/" else key, key))
        search = app.screen.query_one("#search", Input)
        await wait_for(pilot, lambda: search.value == "jk#scope")
        await pilot.press("slash")  # typed into the search, it is the search's
        assert search.value == "jk#scope/"


async def test_u_on_an_order_screen_undoes_that_orders_changes_only(db_path: Path) -> None:
    # It undid the session's last change whatever it was: an order just added elsewhere
    # was deleted from under FO1's screen, without a word of which.
    from tui.screens.order import OrderScreen

    seed(db_path, "FO1")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO1")
        app.board.add_order(OrderDraft("FO9X", "someone"))  # this session's last change
        await wait_for_text(pilot, "FO9X")
        await pilot.press("g", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await pilot.press("u")
        await wait_for(pilot, lambda: any("was not to FO1" in n for n in notices(app)))
        assert "(added FO9X) was not to FO1: undo it on the board" in notices(app)[-1]
        assert "FO9X" in stored(db_path)
        # Its own change is undone there.
        await pilot.press("N")
        await wait_for_text(pilot, "Private note · FO1")
        await pilot.press(*"called", "ctrl+s")
        await wait_for(pilot, lambda: len(stored(db_path)["FO1"]["entries"]) == 1)  # type: ignore[arg-type]
        await pilot.press("u")
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["entries"] == [])
        assert isinstance(app.screen, OrderScreen) and "FO9X" in stored(db_path)


async def test_undoing_a_rename_on_the_order_screen_follows_the_order_back(
    db_path: Path,
) -> None:
    # The screen kept the new number, found no such order, and went back to the board
    # saying "FO1B is no longer on the board".
    from tui.screens.order import OrderScreen

    seed(db_path, "FO1")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        screen = app.screen
        await pilot.press("e")
        await wait_for_text(pilot, "Edit FO1")
        await pilot.press("ctrl+u", *"FO1B", "ctrl+s")
        await wait_for(pilot, lambda: "FO1B" in stored(db_path))
        await wait_for(pilot, lambda: screen.sub_title == "FO1B")
        await pilot.press("u")
        await wait_for(pilot, lambda: "FO1" in stored(db_path))
        await wait_for(pilot, lambda: screen.sub_title == "FO1")
        assert app.screen is screen
        assert not any("no longer on the board" in n for n in notices(app))


async def test_clearing_a_filter_leaves_every_column_starting_on_a_card(db_path: Path) -> None:
    # A column kept its scroll position in lines as its cards came back: its top card
    # showed from its middle ("47h left"), without its order number.
    from textual.geometry import Region

    from tui.widgets.column import StageColumn

    board = Board(Store(db_path), clock=lambda: FROZEN)
    for i in range(60):
        number = f"FO{i:03d}"
        board.add_order(OrderDraft(number, f"dave{i}" if i % 7 == 0 else f"ann{i}"))
        board.move(number, Move(Stage.REQUESTED))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO000")
        column = app.screen.query_one("#col-requested", StageColumn)
        await pilot.press("l", *"j" * 30)
        await wait_for(pilot, lambda: column.current_number == "FO030")
        await pilot.press("slash", *"dave")
        await wait_for(pilot, lambda: "FO001" not in column.numbers)
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(column.numbers) == 60)
        await pilot.pause()
        cards = column.cards
        top = cards.render_lines(Region(0, 0, *cards.size))[0].text
        assert top.startswith("FO0"), top
        shown = "\n".join(s.text for s in cards.render_lines(Region(0, 0, *cards.size)))
        assert column.current_number is not None and column.current_number in shown


async def test_clearing_a_filter_shows_a_tall_cards_top_not_its_middle(db_path: Path) -> None:
    # The cursor's card, taller than the rest, was scrolled to from below after the
    # column was set on a card: the column began with another card's lower half.
    from textual.geometry import Region

    from tui.widgets.column import StageColumn

    board = Board(Store(db_path), clock=lambda: FROZEN)
    tags = " ".join(f"#tag-number-{n}" for n in range(8))
    for i in range(1, 13):
        buyer = "ivan" if i == 9 else f"buyer{i}"
        board.add_order(OrderDraft(f"FO{i}", buyer, tags=tags if i in (8, 9) else ""))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        column = app.screen.query_one("#col-talk", StageColumn)
        await pilot.press("g", "slash", *"ivan")
        await wait_for(pilot, lambda: column.numbers == ["FO9"])
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(column.numbers) == 12)
        await pilot.pause(0.1)
        cards = column.cards
        lines = [s.text for s in cards.render_lines(Region(0, 0, *cards.size))]
        assert lines[0].startswith("FO"), lines[:3]


async def test_closing_cards_one_after_the_other_with_the_archive_shown(db_path: Path) -> None:
    # The cursor followed each closed card into the Closed column: the next x said
    # "closed already" instead of closing the next card.
    seed(db_path, "FO1", "FO2", "FO3")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_text(pilot, "FO3")
        await pilot.press("a")
        await wait_for_text(pilot, "Closed (0)")
        for number in ("FO1", "FO2"):
            await pilot.press("x")
            await wait_for_text(pilot, f"Close {number} with outcome")
            await pilot.press("s")
            await wait_for(pilot, lambda n=number: stored(db_path)[n]["stage"] == "closed")  # type: ignore[misc]
        screen = app.screen
        assert isinstance(screen, board_screen.BoardScreen)
        await wait_for(
            pilot, lambda: (o := screen.current_order()) is not None and o.number == "FO3"
        )


async def test_an_entry_saved_on_the_order_screen_is_not_hidden_by_a_notice(
    db_path: Path,
) -> None:
    # The notice "Lesson added to FO1" lay over the panels' lower right corner for 5 s,
    # right where the new entry lands (a lesson's whole). There the entry itself shows,
    # highlighted; on the board, where no entry shows, the notice stays.
    board = seed(db_path, "FO1")
    for n in range(12):
        board.add_entry("FO1", EntryKind.LESSON, f"older lesson {n}")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("N")
        await wait_for_text(pilot, "Private note")
        await pilot.press(*"from the board", "ctrl+s")
        await wait_for(pilot, lambda: "Note added to FO1" in notices(app))
        app._notifications.clear()
        await pilot.press("enter")
        await wait_for_text(pilot, "older lesson 11")
        await pilot.press("L")
        await wait_for_text(pilot, "Lesson learned")
        await pilot.press(*"fresh lesson", "ctrl+s")
        await wait_for(pilot, lambda: len(stored(db_path)["FO1"]["entries"]) == 14)  # type: ignore[arg-type]
        await wait_for(pilot, lambda: not isinstance(app.screen, EntryEditor))
        await pilot.pause(0.3)
        assert "fresh lesson" in screen_text(app)
        assert notices(app) == []
        # Saved from the notes panel: the keys go to the lessons, on the new one.
        lessons = app.screen.query_one("#panel-lesson", OptionList)
        assert app.focused is lessons
        assert lessons.highlighted is not None
        assert (
            lessons.get_option_at_index(lessons.highlighted).id
            == (
                stored(db_path)["FO1"]["entries"][-1]["id"]  # type: ignore[index]
            )
        )


async def test_closing_a_partial_refund_offers_the_refund_recorded(db_path: Path) -> None:
    # x on an order whose partial refund is recorded highlights "partial refund"; enter
    # then asked for the amount again, with an empty field.
    board = seed(db_path, "FO1")
    board.move("FO1", Move(Stage.FOLLOW_UP, outcome=Outcome.PARTIAL_REFUND, refund="5.50"))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        app.screen.focus_column(app.screen.query_one("#col-follow-up"))  # type: ignore[attr-defined]
        await pilot.press("x")
        await wait_for_text(pilot, "Close FO1 with outcome")
        await pilot.press("enter")
        await wait_for_text(pilot, "Refund amount")
        await wait_for_text(pilot, "5.50")
        await pilot.press("enter")
        await wait_for(pilot, lambda: stored_orders(db_path)["FO1"]["stage"] == "closed")
    order = stored_orders(db_path)["FO1"]
    assert (order["stage"], order["outcome"], order["refund_cents"]) == (
        "closed",
        "partial-refund",
        550,
    )


async def test_the_edit_form_has_a_stages_fields_once_the_order_went_through_it(
    db_path: Path,
) -> None:
    # An order in Talk to buyer took a CS ticket, a follow-up date and request details,
    # which then showed on it (its header: "CS ticket CS-999"), in listings and exports.
    board = seed(db_path, "FO1")
    seed(db_path, "FO2", stage=Stage.REVIEW)
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("e")
        await wait_for_text(pilot, "Edit FO1")
        text = screen_text(app)
        assert "Order number" in text and "Tags" in text
        for label in ("Next CS check", "Follow-up due", "CS ticket", "Details"):
            assert label not in text, label
        await pilot.press("escape")
        app.screen.focus_column(app.screen.query_one("#col-review"))  # type: ignore[attr-defined]
        await pilot.press("e")
        await wait_for_text(pilot, "Edit FO2")
        text = screen_text(app)
        assert "Next CS check" in text and "CS ticket" in text and "Details" in text
        assert "Follow-up due" not in text  # not in follow-up yet
    # The rule is the domain's: the same draft is refused for the order in Talk.
    with pytest.raises(ValidationError) as caught:
        board.edit_order("FO1", OrderDraft("FO1", "buyer-fo1", amount="20", ticket="CS-999"))
    assert str(caught.value) == "ticket: only for a case escalated to Customer Support"
    assert stored(db_path)["FO1"]["ticket"] == ""


async def test_the_library_of_many_lessons_fits_the_screen(db_path: Path) -> None:
    # Twenty lessons made the list as tall as the screen: the search box went off the
    # top, the screen itself scrolled, and the list's bottom border was cut off.
    board = seed(db_path, "FO1")
    for n in range(20):
        board.add_entry("FO1", EntryKind.LESSON, f"lesson number {n}, a line or two long")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("2")
        await wait_for_text(pilot, "Lessons (20 of 20)")
        assert "search lessons" in screen_text(app)
        listing = app.screen.query_one("#lesson-list")
        assert app.screen.scroll_offset.y == 0
        assert listing.region.bottom <= SIZE[1] - 1  # above the key bar, border and all


async def test_a_closed_orders_screen_says_its_outcome_and_refund_in_words(
    db_path: Path,
) -> None:
    # The first line ended in "partial-refund" (the stored id) and no line said what was
    # refunded; 'show' did.
    board = seed(db_path, "FO1")
    board.move("FO1", Move(Stage.FOLLOW_UP, outcome=Outcome.PARTIAL_REFUND, refund="5.50"))
    board.move("FO1", Move(Stage.CLOSED, outcome=Outcome.PARTIAL_REFUND, refund="5.50"))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"FO1")
        await wait_for_text(pilot, "FO1")
        await pilot.press("enter")  # the palette opens the order
        await wait_for(pilot, lambda: "[Closed]" in screen_text(app))
        await wait_for_text(pilot, "outcome: partial refund, 5.50 USD refunded")
        assert "partial-refund" not in screen_text(app)
