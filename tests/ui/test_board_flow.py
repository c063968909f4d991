"""A seller's day at 80x24 under Pilot: create, advance through every stage, write, reopen."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets._toast import ToastHolder

from tests.conftest import FROZEN, stored_orders
from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.app import CancelboardApp
from tui.board import Board
from tui.domain import EntryKind, Move, OrderDraft, Stage
from tui.screens.board import BoardScreen
from tui.screens.order import OrderScreen
from tui.store import Store
from tui.widgets.column import CardList

SIZE = (80, 24)


def stored(db: Path) -> dict[str, dict[str, object]]:
    return stored_orders(db)


def focused_order(app: object) -> str | None:
    screen = app.screen  # type: ignore[attr-defined]
    order = screen.current_order() if hasattr(screen, "current_order") else None
    return order.number if order else None


async def test_empty_board_shows_the_columns_and_how_to_start(db_path: Path) -> None:
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "Press n to add the first one")
        text = screen_text(app)
        for title in (
            "Talk to buyer",
            "Cancellation",
            "requested",
            "Fiverr review",
            "Follow up",
            "Lessons",
        ):
            assert title in text


async def test_create_advance_through_every_stage_and_back(db_path: Path) -> None:
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for_text(pilot, "New order")
        await pilot.press(*"fo77", "tab", *"jane_doe", "tab", *"Logo", "tab", *"25", "tab")
        await pilot.press("tab", *"2026-12-01", "tab", *"2026-11-20")  # due, ordered
        await pilot.press("ctrl+s")
        await wait_for_text(pilot, "FO77")
        assert stored(db_path)["FO77"]["stage"] == "talk"
        assert stored(db_path)["FO77"]["amount_cents"] == 2500
        assert stored(db_path)["FO77"]["order_date"] == "2026-11-20"
        assert stored(db_path)["FO77"]["due"] == "2026-12-01"
        assert isinstance(app.screen, BoardScreen)
        assert focused_order(app) == "FO77"

        # Talk -> requested: the reason modal, enter takes the defaults.
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "why?")
        await pilot.press("enter")
        await wait_for_text(pilot, "48h left")
        assert stored(db_path)["FO77"]["stage"] == "requested"
        assert focused_order(app) == "FO77"

        # Requested -> review: declined, escalate with a ticket reference.
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "what did the buyer answer?")
        await pilot.press("e")
        await pilot.press(*"CS-1", "enter")
        await wait_for(pilot, lambda: stored(db_path)["FO77"]["stage"] == "review")
        assert stored(db_path)["FO77"]["ticket"] == "CS-1"

        # Review -> follow-up: CS ruled for me.
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "what did CS decide?")
        await pilot.press("s")
        await wait_for(pilot, lambda: stored(db_path)["FO77"]["stage"] == "follow-up")
        assert stored(db_path)["FO77"]["outcome"] == "cs-ruled-for-seller"

        # Follow-up -> lessons needs no answer.
        await pilot.press("greater_than_sign")
        await wait_for(pilot, lambda: stored(db_path)["FO77"]["stage"] == "lessons")

        # Lessons -> closed asks the outcome; enter keeps the one recorded.
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "Close FO77 with outcome")
        await pilot.press("enter")
        await wait_for(pilot, lambda: stored(db_path)["FO77"]["stage"] == "closed")
        assert stored(db_path)["FO77"]["outcome"] == "cs-ruled-for-seller"
        await wait_for(pilot, lambda: "FO77" not in screen_text(app))

        # The archive shows it; < reopens it where it was closed from.
        await pilot.press("a")
        await wait_for_text(pilot, "FO77")
        await pilot.press("right", "right", "right", "right", "right")
        assert focused_order(app) == "FO77"
        await pilot.press("less_than_sign")
        await wait_for(pilot, lambda: stored(db_path)["FO77"]["stage"] == "lessons")
        await pilot.press("less_than_sign")
        await wait_for(pilot, lambda: stored(db_path)["FO77"]["stage"] == "follow-up")
        assert focused_order(app) == "FO77"


async def test_requested_answers_by_key(db_path: Path) -> None:
    board = Board(Store(db_path), clock=lambda: FROZEN)
    for number in ("FO1", "FO2", "FO3"):
        board.add_order(OrderDraft(number, "jane"))
        board.move(number, __import__("tui.domain", fromlist=["Move"]).Move(Stage.REQUESTED))
    # The 48 hours are over: "no answer" is recorded at once (see the test below).
    app = make_app(db_path, clock=lambda: FROZEN + timedelta(hours=49))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("l")
        for key, stage, outcome in (
            ("a", "follow-up", "cancelled-mutual"),
            ("n", "follow-up", "cancelled-no-response"),
            ("t", "talk", "withdrawn"),  # the buyer's answer, in the history too
        ):
            number = focused_order(app)
            assert number is not None
            await pilot.press("greater_than_sign")
            await wait_for_text(pilot, "what did the buyer answer?")
            # The window is over: "no answer" is the one offered first.
            choices = app.screen.query_one("#choices", OptionList)
            assert choices.highlighted == 1
            await pilot.press(key)
            await wait_for(pilot, lambda n=number, s=stage: stored(db_path)[n]["stage"] == s)
            assert stored(db_path)[number]["outcome"] == outcome
            app.screen.focus_column(app.screen.query_one("#col-requested"))  # type: ignore[attr-defined]
            await pilot.pause()


async def test_no_answer_before_the_48_hours_are_over_takes_a_second_n(db_path: Path) -> None:
    board = Board(Store(db_path), clock=lambda: FROZEN)
    board.add_order(OrderDraft("FO1", "jane"))
    board.move("FO1", Move(Stage.REQUESTED))
    app = make_app(db_path, clock=lambda: FROZEN + timedelta(hours=47, minutes=30))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("l", "greater_than_sign")
        await wait_for_text(pilot, "what did the buyer answer?")
        await pilot.press("n")
        await wait_for_text(pilot, "The buyer has 30m left to answer")
        assert stored(db_path)["FO1"]["stage"] == "requested"  # nothing recorded yet
        await pilot.press("n")  # the board's clock may be off: a second n records it
        await wait_for(pilot, lambda: stored(db_path)["FO1"]["stage"] == "follow-up")
        assert stored(db_path)["FO1"]["outcome"] == "cancelled-no-response"


async def test_form_refuses_bad_input_inline_and_keeps_it(db_path: Path) -> None:
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("n")
        await wait_for_text(pilot, "New order")
        await pilot.press("ctrl+s")
        await wait_for_text(pilot, "required")
        await pilot.press(*"FO1")  # typing into the field takes its error away
        await wait_for(pilot, lambda: "required" not in screen_text(app))
        await pilot.press("tab", *"bob", "ctrl+s")
        await wait_for_text(pilot, "already on the board")
        await pilot.press("ctrl+u", *"FO2", "tab", "tab", "tab", *"abc", "ctrl+s")
        await wait_for_text(pilot, "not a non-negative number")
        await pilot.press("ctrl+u", *"12.50", "tab", "tab", *"2026-99-01", "ctrl+s")
        await wait_for_text(pilot, "no such date")
        assert list(stored(db_path)) == ["FO1"]
        # What was typed is still there.
        assert app.screen.draft().number == "FO2"  # type: ignore[attr-defined]
        assert app.screen.draft().amount == "12.50"  # type: ignore[attr-defined]
        await pilot.press("ctrl+u", *"2026-12-01", "ctrl+s")
        await wait_for(pilot, lambda: "FO2" in stored(db_path))
        assert stored(db_path)["FO2"]["amount_cents"] == 1250
        assert stored(db_path)["FO2"]["due"] == "2026-12-01"  # the due date field's


async def test_escape_asks_before_throwing_typed_text_away(db_path: Path) -> None:
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for_text(pilot, "New order")
        await pilot.press(*"FO9", "escape")
        await wait_for_text(pilot, "Throw away what you typed?")
        await pilot.press("n")
        await wait_for(pilot, lambda: "Throw away" not in screen_text(app))
        assert app.screen.draft().number == "FO9"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for_text(pilot, "Throw away what you typed?")
        await pilot.press("y")
        await wait_for_text(pilot, "Press n to add the first one")
        assert not db_path.exists()


async def test_notes_messages_and_lessons_then_reopen(db_path: Path) -> None:
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        # On the board, for the focused order.
        await pilot.press("N")
        await wait_for_text(pilot, "Private note")
        await pilot.press(*"[bold]soon[/]", "ctrl+s")
        await wait_for(pilot, lambda: len(stored(db_path)["FO1"]["entries"]) == 1)  # type: ignore[arg-type]
        # On the order screen.
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await wait_for_text(pilot, "[bold]soon[/]")
        await pilot.press("M")
        await wait_for_text(pilot, "Buyer message")
        await pilot.press(*"I want a refund", "tab", "space", "ctrl+s")
        await wait_for_text(pilot, "I want a refund")
        await pilot.press("L")
        await wait_for_text(pilot, "Lesson learned")
        await pilot.press(*"agree scope first", "tab", *"#scope", "ctrl+s")
        await wait_for_text(pilot, "agree scope first")
        text = screen_text(app)
        assert "Notes (1)" in text and "Buyer messages (1)" in text and "Lessons (1)" in text
        assert "to buyer" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))

    board = Board(Store(db_path))
    order = board.get("FO1")
    assert [e.kind for e in order.entries] == [EntryKind.NOTE, EntryKind.MESSAGE, EntryKind.LESSON]
    assert order.entries[1].direction is not None and order.entries[1].direction.value == "me"
    assert order.entries[2].tags == ("scope",)

    again = make_app(db_path)
    async with again.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("enter")
        await wait_for_text(pilot, "agree scope first")
        assert "I want a refund" in screen_text(again)
        assert "[bold]soon[/]" in screen_text(again)


def message_board(db_path: Path, message: str) -> Path:
    """A board of one order, FO1, with one buyer message."""
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO1", "jane"))
    board.add_entry("FO1", EntryKind.MESSAGE, message)
    return db_path


async def open_the_messages(pilot: Pilot[None]) -> Widget:
    """Open FO1's screen and put focus on its buyer messages; the panel."""
    app = pilot.app
    await wait_for_text(pilot, "FO1")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
    panel = app.screen.query_one("#panel-message")
    panel.focus()
    await pilot.pause()
    return panel


async def test_a_message_taller_than_its_panel_can_be_read_whole(db_path: Path) -> None:
    # At 80x24 a long message runs past its panel: the keys moved from entry to entry,
    # and a lone one could not be scrolled at all.
    words = " ".join(f"w{n:03d}" for n in range(180))
    app = make_app(message_board(db_path, f"START {words} FINISH"))
    async with app.run_test(size=SIZE) as pilot:
        await open_the_messages(pilot)
        await pilot.press("end")
        await wait_for_text(pilot, "FINISH")
        assert "START" not in screen_text(app)  # it is taller than the panel
        await pilot.press("home")
        await wait_for_text(pilot, "START")
        for _ in range(60):  # down through it, a line at a time, to its end
            await pilot.press("j")
        await wait_for_text(pilot, "FINISH")
        await pilot.press("pageup", "pageup", "pageup", "pageup", "pageup")
        await wait_for_text(pilot, "START")
        await pilot.press("G")  # as on the board (they did nothing here)
        await wait_for_text(pilot, "FINISH")
        await pilot.press("g")
        await wait_for_text(pilot, "START")


async def test_enter_on_an_entry_shows_all_of_it_however_long(db_path: Path) -> None:
    # The panel shows an entry's first 2,000 characters: the rest could not be read in
    # the board at all (only copied with y).
    from tui.screens.entry_view import EntryModal

    body = "\n".join(f"line {n:04d} of the buyer's long message" for n in range(400))
    app = make_app(message_board(db_path, f"{body}\nTHE VERY END"))
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_the_messages(pilot)
        await pilot.press("end")
        await pilot.pause()
        from textual.geometry import Region

        shown = " ".join(
            " ".join(strip.text for strip in panel.render_lines(Region(0, 0, *panel.size))).split()
        )
        assert "more characters]" in shown
        assert "THE VERY END" not in shown
        assert any(  # the help says so, where the key is pressed
            what == "Read it whole" for _, _, what in app.key_rows()
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EntryModal))
        await wait_for_text(pilot, "Message from buyer · FO1")
        assert "line 0000 of the buyer's long message" in screen_text(app)
        await pilot.press(*"j" * 30)
        await wait_for_text(pilot, "line 0030 of the buyer's long message")
        await pilot.press("G")
        await wait_for_text(pilot, "THE VERY END")
        assert "line 0030 of" not in screen_text(app)
        await pilot.press("g")
        await wait_for_text(pilot, "line 0000 of the buyer's long message")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        assert stored(db_path)["FO1"]["entries"][0]["text"].endswith("THE VERY END")  # type: ignore[index]


async def test_editor_escape_with_text_asks_first(db_path: Path) -> None:
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("N")
        await wait_for_text(pilot, "Private note")
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Private note" not in screen_text(app))
        await pilot.press("N")
        await wait_for_text(pilot, "Private note")
        await pilot.press(*"draft", "escape")
        await wait_for_text(pilot, "Throw away what you typed?")
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Throw away" not in screen_text(app))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(stored(db_path)["FO1"]["entries"]) == 1)  # type: ignore[arg-type]


async def test_keys_move_between_cards_and_columns(db_path: Path) -> None:
    board = Board(Store(db_path))
    for number in ("FO1", "FO2", "FO3"):
        board.add_order(OrderDraft(number, "x"))
    from tui.domain import Move

    board.move("FO3", Move(Stage.REQUESTED))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO3")
        assert focused_order(app) == "FO1"
        await pilot.press("j")
        assert focused_order(app) == "FO2"
        await pilot.press("k")
        assert focused_order(app) == "FO1"
        await pilot.press("down")
        assert focused_order(app) == "FO2"
        await pilot.press("l")
        assert focused_order(app) == "FO3"
        await pilot.press("h")
        assert focused_order(app) in {"FO1", "FO2"}
        await pilot.press("right", "right")
        assert focused_order(app) is None  # an empty column
        await pilot.press("left")
        assert focused_order(app) == "FO3"


async def test_help_lists_keys_and_q_quits(db_path: Path) -> None:
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await wait_for_text(pilot, "Keys")
        rows = app.screen.rows  # type: ignore[attr-defined]
        described = {what for _, _, what in rows}
        for what in (
            "New",
            "Advance",
            "Back",
            "Close",
            "Note",
            "Message",
            "Lesson",
            "Filter",
            "Quit",
            "Help",
        ):
            assert what in described
        await pilot.press("escape")
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


def card_list_lines(app: object, stage: Stage) -> list[str]:
    """The lines a column's card list shows, as text."""
    from textual.geometry import Region

    from tui.widgets.column import StageColumn

    column = app.screen.query_one(f"#col-{stage.value}", StageColumn)  # type: ignore[attr-defined]
    size = column.cards.size
    return [strip.text for strip in column.cards.render_lines(Region(0, 0, *size))]


def dividers(lines: list[str]) -> int:
    return sum(1 for line in lines if line.strip() and set(line.strip()) == {"─"})


async def test_a_card_leaving_keeps_its_column_scrolled_where_it_was(db_path: Path) -> None:
    board = Board(Store(db_path))
    numbers = [f"FO{i}" for i in range(1, 9)]
    for number in numbers:
        board.add_order(OrderDraft(number, "x"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press(*"jjjjj")
        assert focused_order(app) == "FO6"
        talk = "\n".join(card_list_lines(app, Stage.TALK))
        assert "FO6" in talk and "FO1" not in talk
        # FO6 goes on (reason modal: enter takes the defaults) and focus follows it.
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "why?")
        await pilot.press("enter")
        await wait_for(pilot, lambda: stored(db_path)["FO6"]["stage"] == "requested")
        await wait_for(pilot, lambda: focused_order(app) == "FO6")
        # Talk still shows the cards around the gap, not its top.
        talk = "\n".join(card_list_lines(app, Stage.TALK))
        assert "FO6" not in talk
        assert "FO7" in talk and "FO1" not in talk


async def test_dividers_stay_between_cards_as_cards_leave_and_come(db_path: Path) -> None:
    board = Board(Store(db_path))
    for number in ("FO1", "FO2"):
        board.add_order(OrderDraft(number, "x"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO2")
        assert dividers(card_list_lines(app, Stage.TALK)) == 1
        # The last card leaves: the one left has no divider under it.
        await pilot.press("j", "greater_than_sign")
        await wait_for_text(pilot, "why?")
        await pilot.press("enter")
        await wait_for(pilot, lambda: stored(db_path)["FO2"]["stage"] == "requested")
        await wait_for(pilot, lambda: "FO2" not in "\n".join(card_list_lines(app, Stage.TALK)))
        assert dividers(card_list_lines(app, Stage.TALK)) == 0
        # A new one comes in below it (another session): a divider between the two again.
        Board(Store(db_path)).add_order(OrderDraft("FO3", "y"))
        await wait_for(pilot, lambda: "FO3" in "\n".join(card_list_lines(app, Stage.TALK)))
        lines = card_list_lines(app, Stage.TALK)
        assert dividers(lines) == 1
        text = "\n".join(lines)
        assert text.index("FO1") < text.index("─") < text.index("FO3")


async def test_the_clock_tick_moves_countdowns_on_after_a_move(
    db_path: Path,
) -> None:
    from datetime import timedelta

    from tui.domain import Move

    now = [FROZEN]
    board = Board(Store(db_path), clock=lambda: now[0])
    for number in ("FO1", "FO2"):
        board.add_order(OrderDraft(number, "x"))
        board.move(number, Move(Stage.REQUESTED))
    app = make_app(db_path, clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO2")
        assert "\n".join(card_list_lines(app, Stage.REQUESTED)).count("48h left") == 2
        now[0] = FROZEN + timedelta(hours=3)
        # FO2 back to talking: its card is in Talk, just arrived.
        await pilot.press("l", "j", "greater_than_sign")
        await wait_for_text(pilot, "what did the buyer answer?")
        await pilot.press("t")
        await wait_for(pilot, lambda: stored(db_path)["FO2"]["stage"] == "talk")
        await wait_for(pilot, lambda: "FO2" in "\n".join(card_list_lines(app, Stage.TALK)))
        assert "0.00 USD · 0m" in "\n".join(card_list_lines(app, Stage.TALK))
        # The minute tick brings FO1's countdown to the new time.
        app.screen._tick()  # type: ignore[attr-defined]
        await pilot.pause()
        assert "45h left" in "\n".join(card_list_lines(app, Stage.REQUESTED))


async def test_a_click_opens_the_card_under_it_after_cards_above_left(db_path: Path) -> None:
    # A card kept when the column is redrawn keeps the lines it drew; a click must not go
    # by the position they were drawn at (it opened the card below, or past the last
    # card ended the app with an IndexError).
    board = Board(Store(db_path))
    for number in ("FO1", "FO2", "FO3"):
        board.add_order(OrderDraft(number, f"buyer_{number.lower()}"))
    app = make_app(db_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_text(pilot, "buyer_fo3")
        cards = app.screen.query_one("#col-talk").cards  # type: ignore[attr-defined]

        async def click_card(index: int) -> str:
            await pilot.click(cards, offset=(2, cards._index_to_line[index] + 1))
            await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
            number: str = app.screen.number  # type: ignore[attr-defined]
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
            return number

        assert [await click_card(i) for i in range(3)] == ["FO1", "FO2", "FO3"]
        Board(Store(db_path)).move("FO1", Move(Stage.REQUESTED, reason="other"))
        await wait_for(
            pilot, lambda: "buyer_fo1" not in "\n".join(card_list_lines(app, Stage.TALK))
        )
        assert [await click_card(i) for i in range(2)] == ["FO2", "FO3"]
        # The line between two cards opens neither.
        await pilot.click(cards, offset=(2, cards._index_to_line[1] - 1))
        await pilot.pause(0.3)
        assert isinstance(app.screen, BoardScreen)
        assert app.is_running


async def opened_unbuilt(app: CancelboardApp, key: str) -> Screen[object]:
    """Press ``key`` (a screen opens) and return that screen as soon as it is on top,
    before it is built."""
    board = app.screen
    app.post_message(events.Key(key, key if len(key) == 1 else None))
    for _ in range(10_000):
        if app.screen is not board:
            break
        await asyncio.sleep(0)
    opened = app.screen
    assert opened is not board and not opened.is_mounted
    return opened


@pytest.mark.parametrize("key", ["enter", "n", "e", "N", "M", "L"])
async def test_escape_typed_right_after_a_key_that_opens_a_screen_closes_it(
    db_path: Path, key: str
) -> None:
    # Enter and escape in one burst (a slow link): escape can come while the screen the
    # first key opened is still being built. Closing it then ended the app with a
    # traceback (its fields, or Textual's Header, looked up after they were taken away).
    Board(Store(db_path)).add_order(OrderDraft("FO1", "ann"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        board = app.screen
        opened = await opened_unbuilt(app, key)
        assert await app._check_bindings("escape")  # what Textual does as the key reaches it
        await wait_for(pilot, lambda: app.screen is board)
        await pilot.pause(0.2)
        assert app.is_running and app.screen_stack == [board]
        assert opened.is_mounted  # it was built, then closed
        await pilot.press(key)  # and it still opens
        await wait_for(pilot, lambda: type(app.screen) is type(opened))


async def test_a_jump_while_a_card_is_still_being_built_lands_on_the_card(
    db_path: Path,
) -> None:
    # The palette's jump closes the screens above the board first; one still being
    # built closes only once built, so the jump waits for it (it froze the app before).
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO1", "ann"))
    board.add_order(OrderDraft("FO2", "bob"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        assert isinstance(await opened_unbuilt(app, "enter"), OrderScreen)
        app.open_order("FO2")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.number == "FO2",
        )
        await pilot.pause(0.2)
        assert [type(s).__name__ for s in app.screen_stack] == ["BoardScreen", "OrderScreen"]
        await wait_for_text(pilot, "bob")


def burst(app: CancelboardApp, *keys: str) -> None:
    """Keys read from the terminal together (pasted, or typed ahead over a slow link):
    all queued before the first is answered (``pilot.press`` waits for each)."""
    names = {"/": "slash", "\r": "enter", "\t": "tab"}
    for key in keys:
        app.post_message(events.Key(names.get(key, key), key))


async def test_keys_typed_right_after_slash_go_into_the_filter_not_to_the_board(
    db_path: Path,
) -> None:
    # The keys after "/" are read before the filter box exists. On the board, "n" opens
    # the new-order form, "a" shows the archive, "3" switches to the stats, and "j",
    # "k", "g" and "G" move the cursor; none of that may happen: they are the filter's,
    # in the order typed.
    Board(Store(db_path)).add_order(OrderDraft("FO1", "ann"))
    Board(Store(db_path)).add_order(OrderDraft("FO2", "bob"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        board = app.screen
        burst(app, *"/an3jkgG")
        await wait_for(
            pilot, lambda: bool(board.query("#filter")) and filter_value(app) == "an3jkgG"
        )
        assert app.screen_stack == [board] and app.current_mode == "board"
        assert "Closed" not in screen_text(app)
        assert app.focused is board.query_one("#filter", Input)
        await pilot.press(*["backspace"] * 5, "slash")  # typed once it is there: in after
        assert filter_value(app) == "an/"
        await pilot.press("backspace")
        await wait_for(pilot, lambda: "FO2" not in screen_text(app))
        assert "FO1" in screen_text(app)


async def test_keys_typed_right_after_a_key_that_opens_a_form_go_into_it_in_order(
    db_path: Path,
) -> None:
    # The form's first field took focus after the keys read with the one that opened it:
    # "nFO7<tab>ann" typed ahead over SSH (or pasted) left an empty form.
    from tui.screens.editor import EntryEditor
    from tui.screens.forms import OrderForm

    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        burst(app, "n", *"FO7", "\t", *"ann", "\t", *"Logo")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderForm))
        form = app.screen
        assert isinstance(form, OrderForm)
        await wait_for(pilot, lambda: form.draft().gig == "Logo")
        assert (form.draft().number, form.draft().buyer) == ("FO7", "ann")
        await pilot.press("escape", "y")  # throw it away
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        burst(app, "N", *"called her")
        await wait_for(pilot, lambda: isinstance(app.screen, EntryEditor))
        editor = app.screen
        assert isinstance(editor, EntryEditor)
        await wait_for(pilot, lambda: editor.draft().text == "called her")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(stored(db_path)["FO1"]["entries"]) == 1)  # type: ignore[arg-type]


def filter_value(app: CancelboardApp) -> str:
    return app.screen.query_one("#filter", Input).value


async def test_a_search_typed_in_one_burst_with_enter_filters_and_goes_back_to_the_cards(
    db_path: Path,
) -> None:
    for number, buyer in (("FO1", "ann"), ("FO2", "bob"), ("FO3", "bobby")):
        Board(Store(db_path)).add_order(OrderDraft(number, buyer))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        burst(app, *"/bob\r")
        await wait_for(
            pilot,
            lambda: isinstance(app.focused, CardList) and "FO1" not in screen_text(app),
        )
        assert filter_value(app) == "bob"
        text = screen_text(app)
        assert "FO2" in text and "FO3" in text
        assert isinstance(app.focused, CardList)  # the filter kept, back on the cards


async def test_keys_on_an_empty_column_say_where_the_cards_are(db_path: Path) -> None:
    # On an empty column of a full board, N said "No order selected: add one with n";
    # x, >, <, o, T and enter said nothing at all.
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("l")
        for key in ("x", "greater_than_sign", "less_than_sign", "o", "T", "enter", "N", "H"):
            app._notifications.clear()
            await pilot.press(key)
            await wait_for(pilot, lambda: bool(list(app._notifications)))
            said = [n.message for n in app._notifications]
            assert said == ["No card in this column: the nearest are in Talk to buyer (h)"], key
        # Two columns on, the keys to press say so (h then led to another empty column).
        await pilot.press("l")
        app._notifications.clear()
        await pilot.press("greater_than_sign")
        await wait_for(pilot, lambda: bool(list(app._notifications)))
        said = [n.message for n in app._notifications]
        assert said == ["No card in this column: the nearest are in Talk to buyer (h h)"]
    Board(Store(db_path)).delete_order("FO1")
    app = make_app(db_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause(0.3)
        await pilot.press("x")
        await wait_for(pilot, lambda: bool(list(app._notifications)))
        assert [n.message for n in app._notifications] == ["No orders yet: press n to add one"]


async def test_a_dialog_dismissed_twice_closes_once(db_path: Path) -> None:
    # 'x w w' typed in one burst: the second 'w' dismissed the dialog again, which popped
    # the board under it, and the app ended with "Can't pop screen".
    from tui.screens.questions import ChoiceModal

    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))
        dialog = app.screen
        dialog.dismiss(False)
        dialog.dismiss(False)
        await pilot.pause(0.1)
        assert isinstance(app.screen, BoardScreen) and app.is_running
        await pilot.press("j", "x")  # the board still answers
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))


async def test_a_notice_said_again_replaces_itself_and_few_show_at_once(db_path: Path) -> None:
    # '>' pressed four times on an empty column stacked the same notice four times; a run
    # of changes, one notice each: they covered the lower half of the last two columns.
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("l")
        for _ in range(4):
            await pilot.press("greater_than_sign")
        await wait_for(pilot, lambda: bool(list(app._notifications)))
        await pilot.pause(0.1)
        said = [n.message for n in app._notifications]
        assert said == ["No card in this column: the nearest are in Talk to buyer (h)"]
        app.say("disk full: not saved", "error")
        for n in range(5):
            app.say(f"notice {n}")
        await pilot.pause(0.1)
        # An error stays (until it expires), beside the newest others.
        assert [n.message for n in app._notifications] == [
            "disk full: not saved",
            "notice 3",
            "notice 4",
        ]
        assert "notice 4" in screen_text(app) and "notice 1" not in screen_text(app)
        # Nothing is left of the notices replaced (Textual kept each one's holder).
        assert len(app.screen.query(ToastHolder)) == 3
