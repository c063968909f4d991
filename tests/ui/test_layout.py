"""Small, standard and large terminals: every column and the order screen stay usable."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FROZEN
from tests.perf._perf_boards import build_board
from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.board import Board
from tui.domain import EntryKind, Move, OrderDraft, Outcome, Stage
from tui.store import Store
from tui.widgets.card import CardText, fold


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (200, 50)])
async def test_board_and_order_screen_at(db_path: Path, size: tuple[int, int]) -> None:
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO5B2A1C3D4E", "jane_doe", amount="25"))
    board.add_entry("FO5B2A1C3D4E", EntryKind.NOTE, "remember")
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await wait_for_text(pilot, "jane_doe")
        text = screen_text(app)
        assert "FO5B2A1C3D4E" in text  # the order number on one line
        for word in ("Talk", "Fiverr", "Follow"):
            assert word in text
        if size[0] >= 80:
            for title in (
                "Talk to buyer",
                "Cancellation",
                "requested",
                "Fiverr review",
                "Follow up",
                "Lessons",
            ):
                assert title in text
        else:  # four columns fit; the row scrolls to the fifth
            assert "Lessons" not in text
            await pilot.press(*"llll")
            await wait_for_text(pilot, "Lessons")
            assert "Talk" not in screen_text(app)
            await pilot.press(*"hhhh")
            await wait_for_text(pilot, "Talk")
        columns = app.screen.query(".stage-column")
        visible = [c for c in columns if c.display and c.region.overlaps(app.screen.region)]
        assert len(visible) == (5 if size[0] >= 80 else 4)
        assert all(c.region.width >= 15 for c in visible)
        assert all(c.region.right <= size[0] for c in visible)
        await pilot.press("enter")
        await wait_for_text(pilot, "remember")
        assert "Notes (1)" in screen_text(app)
        # Every panel's count shows ("Buyer message…" at 60 columns cut it off).
        assert "messages (0)" in screen_text(app).lower() and "Lessons (0)" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "jane_doe" in screen_text(app))
        await pilot.resize_terminal(40, 12)
        await pilot.pause(0.2)
        assert app.is_running


async def test_cards_wrap_again_when_the_terminal_is_resized(db_path: Path) -> None:
    # The card lists lay their cards out for a width: after a resize the paint must use
    # the new width (wrapped where the column now ends, nothing cut or left over).
    buyer = "a buyer whose name is long"
    Board(Store(db_path)).add_order(OrderDraft("FO5B2A1C3D4E", buyer, amount="25"))
    app = make_app(db_path)
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for_text(pilot, buyer)
        for width, height in [(80, 24), (200, 40), (60, 20), (80, 24)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause(0.2)
            cards = app.screen.query_one("#col-talk .cards")
            inner = cards.scrollable_content_region.width
            # The Talk column's text, line by line (between its borders).
            lines = screen_text(app).splitlines()
            column = [line.split("│")[1] for line in lines if line.startswith("│")]
            assert all(len(line) == len(column[0]) for line in column)
            shown = [line.rstrip() for line in column]
            expected = fold(buyer, inner)
            start = next((i for i, line in enumerate(shown) if line == expected[0]), None)
            assert start is not None, (width, expected, shown)
            assert shown[start : start + len(expected)] == expected, (width, shown)
            assert (len(expected) == 1) == (width == 200)


async def test_cards_fit_beside_the_scrollbar_as_the_terminal_changes(db_path: Path) -> None:
    # Cards are laid out for the width beside the column's scrollbar, which comes and goes
    # with the terminal's height: what is drawn must be what a fresh layout draws.
    board = Board(Store(db_path))
    for i in range(6):
        board.add_order(OrderDraft(f"FO{i:04d}", f"buyer number {i}", amount="25"))
    app = make_app(db_path)

    async def drawn_as_fresh() -> None:
        shown = screen_text(app)
        for cards in app.screen.query(".cards"):
            cards._clear_caches()  # type: ignore[attr-defined]
        await pilot.pause(0.1)
        assert screen_text(app) == shown, shown

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO0002")
        await pilot.pause(0.2)
        await drawn_as_fresh()
        for height in (60, 16, 60, 20):
            await pilot.resize_terminal(80, height)
            await pilot.pause(0.2)
            await drawn_as_fresh()


async def test_a_full_column_lays_its_cards_out_once_at_start(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Columns too long for the screen: each card is measured once, for the width beside
    # the scrollbar, not first for the whole width and then again (1,000 open orders:
    # every card measured twice in the first frame).
    build_board(db_path, 600)  # 60 open orders, 12 a column
    measured: Counter[int] = Counter()
    get_height = CardText.get_height

    def counted(self: CardText, rules: Any, width: int) -> int:
        measured[id(self)] += 1
        return get_height(self, rules, width)

    monkeypatch.setattr(CardText, "get_height", counted)
    app = make_app(db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        lists = [column.cards for column in app.screen.columns()]  # type: ignore[attr-defined]
        assert all(cards.show_vertical_scrollbar for cards in lists)
        cards_shown = sum(cards.option_count for cards in lists)
        assert cards_shown == 60
        assert len(measured) == 60 and set(measured.values()) == {1}, measured


async def test_a_cursor_move_sends_nothing_of_the_scrollbar(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The two cards the cursor leaves and reaches are sent; the scrollbar beside them is
    # not (it did not move): it was a fifth of the bytes of each j.
    from textual._compositor import ChopsUpdate
    from textual.app import App

    build_board(db_path, 1000)  # 100 open orders: each column scrolls
    spans: list[tuple[int, int, int]] = []
    real = App._display

    def display(self: App[Any], screen: Any, renderable: Any) -> None:
        if isinstance(renderable, ChopsUpdate):
            spans.extend(renderable.spans)
        real(self, screen, renderable)

    monkeypatch.setattr(App, "_display", display)
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_text(pilot, "Talk to buyer (20)")
        cards = app.screen.columns()[0].cards  # type: ignore[attr-defined]
        bar = cards.vertical_scrollbar.region
        assert cards.show_vertical_scrollbar and bar.width == 1
        for key in "jjk":
            await pilot.pause(0.1)
            del spans[:]
            before = cards.highlighted
            await pilot.press(key)
            await wait_for(pilot, lambda: bool(spans))  # noqa: B023
            assert cards.highlighted != before
            rows = {y for y, _, _ in spans}
            assert len(rows) >= 8, spans  # both cards
            assert all(x2 <= bar.x for _, _, x2 in spans), (key, bar, spans)


async def test_columns_too_narrow_for_an_order_number_scroll_sideways_instead(
    db_path: Path,
) -> None:
    # Six columns at 80 (the archive shown) were 13 cells: "FO5B2A1C3D4" / "E" and
    # "Cancellatio" / "n requested". Five fit whole; the row scrolls to the sixth.
    board = Board(Store(db_path), clock=lambda: FROZEN)
    board.add_order(OrderDraft("FO5B2A1C3D4E", "jane"))
    board.add_order(OrderDraft("FO9C8B7A6F5E", "bob"))
    board.move("FO9C8B7A6F5E", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO5B2A1C3D4E")
        await pilot.press("a")  # the keys go to the archive, scrolled into sight
        await wait_for_text(pilot, "FO9C8B7A6F5E")
        text = screen_text(app)
        assert "Closed (1)" in text and "Talk to" not in text
        assert app.screen.focused_column().stage is Stage.CLOSED
        await pilot.press(*"hhhhh")
        await wait_for_text(pilot, "FO5B2A1C3D4E")
        text = screen_text(app)
        assert "Cancellation" in text and "Closed" not in text
        await pilot.press("l")  # the column beside it is in sight already: no scroll
        await pilot.pause(0.1)
        assert "FO5B2A1C3D4E" in screen_text(app)
        await pilot.press(*"llll")
        await wait_for_text(pilot, "FO9C8B7A6F5E")
        await pilot.press("a")  # hidden: the keys go back where they were
        await wait_for_text(pilot, "FO5B2A1C3D4E")
        assert app.screen.focused_column().stage is Stage.TALK
        await pilot.press("a")
        await wait_for_text(pilot, "FO9C8B7A6F5E")
        await pilot.resize_terminal(200, 24)  # all six share a wide terminal
        await wait_for_text(pilot, "Talk to buyer (1)")
        assert "Closed (1)" in screen_text(app)


async def test_a_date_of_another_year_shows_its_year_on_the_card_at_80x24(db_path: Path) -> None:
    # "due 01-01" for an order due 2030-01-01, on its card and the order screen's first
    # line: read as this January.
    board = Board(Store(db_path), clock=lambda: FROZEN)
    board.add_order(OrderDraft("FO1", "jane", amount="25", due="2030-01-01"))
    board.add_order(OrderDraft("FO2", "bob", amount="25", due="2026-12-24"))
    board.add_order(OrderDraft("FO3", "ann", amount="25"))
    board.move("FO3", Move(Stage.REQUESTED))
    board.move("FO3", Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_MUTUAL))
    board.edit_order("FO3", OrderDraft("FO3", "ann", amount="25", follow_up_due="2027-01-05"))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO3")
        lines = screen_text(app).splitlines()
        talk = [line[1:15].rstrip() for line in lines]  # the first column's cells
        assert "due 2030-01-01" in talk and "due 12-24" in talk
        follow = [line[49:63].rstrip() for line in lines]  # the fourth column's
        at = follow.index("f/up")  # wrapped inside its column, the date under it
        assert follow[at + 1] == "2027-01-05"
        await pilot.press("enter")
        await wait_for_text(pilot, "Notes (0)")
        first = next(line for line in screen_text(app).splitlines() if "jane" in line)
        assert first.rstrip().endswith("[Talk to buyer]"), first
        # Once, with its year (it was also on the first line, which broke at 80).
        assert screen_text(app).count("due 2030") == 1 and "due 01-01" not in screen_text(app)


async def test_a_dialog_fits_a_short_terminal_its_list_giving_up_rows(db_path: Path) -> None:
    # At 40x12 the close dialog's hint, and the reason dialog's details field and hint,
    # were cut off below the list.
    Board(Store(db_path)).add_order(OrderDraft("FO1", "jane"))
    app = make_app(db_path)
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("x")
        await wait_for_text(pilot, "escape: cancel")
        assert "saved, order continued" in screen_text(app)
        await pilot.resize_terminal(80, 24)  # taller: every outcome shows again
        await wait_for_text(pilot, "request withdrawn")
        await pilot.resize_terminal(40, 12)
        await wait_for_text(pilot, "escape: cancel")
        assert "request withdrawn" not in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "outcome" not in screen_text(app))
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "escape: cancel")
        assert "details (optional)" in screen_text(app)
        assert "Other" in screen_text(app)  # the default, highlighted, in sight


async def test_the_order_screen_shows_the_requests_details_whole(db_path: Path) -> None:
    # Cut at 60 characters, even at 200 columns: never shown whole on the board.
    details = (
        "Buyer has not sent requirements for 5 days, I asked three times in the inbox"
        " and once more by message; they said the project was cancelled on their side"
    )
    board = Board(Store(db_path), clock=lambda: FROZEN)
    board.add_order(OrderDraft("FO1", "jane"))
    board.move("FO1", Move(Stage.REQUESTED, reason_text=details))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("l", "enter")
        await wait_for_text(pilot, "Notes (0)")
        shown = " ".join(line.strip() for line in screen_text(app).splitlines())
        assert details in shown


@pytest.mark.parametrize("size", [(60, 20), (40, 12), (62, 20)])
async def test_the_archive_shown_in_a_narrow_terminal_is_in_sight_with_no_sliver(
    db_path: Path, size: tuple[int, int]
) -> None:
    # At 60x20 'a' put the keys on the Closed column a column out of sight ('x' then
    # named a card the seller could not see); at 62 a sliver of a fifth column showed.
    board = Board(Store(db_path), clock=lambda: FROZEN)
    board.add_order(OrderDraft("FO5B2A1C3D4E", "jane"))
    board.add_order(OrderDraft("FO9C8B7A6F5E", "bob"))
    board.move("FO9C8B7A6F5E", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=size) as pilot:
        await wait_for_text(pilot, "FO5B2A1C3D4E")
        await pilot.press("a")
        await wait_for_text(pilot, "FO9C8B7A6F5E")
        await pilot.pause(0.1)
        screen = app.screen
        closed = screen.query_one("#col-closed")
        assert closed.region.right <= size[0] and closed.region.width >= 15
        assert screen.focused_column() is closed  # type: ignore[attr-defined]
        for line in screen_text(app).splitlines()[1:-2]:
            # Whole columns only: each row starts and ends on a column's border.
            assert line.rstrip()[:1] in "╭│╰" and line.rstrip()[-1:] in "╮│╯", line
