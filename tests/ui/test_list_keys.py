"""j and k move in every list and scroll every dialog that scrolls, as on the board."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FROZEN
from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.board import Board
from tui.domain import EntryKind, OrderDraft
from tui.store import Store

SIZE = (80, 24)


def seed(db: Path) -> Board:
    board = Board(Store(db), clock=lambda: FROZEN)
    board.add_order(OrderDraft("FO1", "buyer-fo1", gig="Logo", amount="20"))
    return board


async def test_j_and_k_move_in_the_template_picker(db_path: Path) -> None:
    # j left the highlight on the first template, and enter then used that one.
    seed(db_path)
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("T")
        await wait_for_text(pilot, "Could you tell me what")  # its preview
        await pilot.press("j")
        await wait_for_text(pilot, "I need a little more time")  # the second's preview
        await pilot.press("j", "k")
        await wait_for_text(pilot, "I need a little more time")
        await pilot.press("enter")
        await wait_for_text(pilot, "Buyer message")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "need a little more time" in db_path.read_text())
    assert "isn't working" not in db_path.read_text()


async def test_j_and_k_scroll_the_history(db_path: Path) -> None:
    # Down scrolled the timeline; j and k did nothing.
    board = seed(db_path)
    for n in range(40):
        board.add_entry("FO1", EntryKind.NOTE, f"note number {n}")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("H")
        await wait_for_text(pilot, "History of FO1")
        await wait_for_text(pilot, "created")
        await pilot.press(*"j" * 5)
        await wait_for(pilot, lambda: "created" not in screen_text(app))
        await pilot.press(*"k" * 5)
        await wait_for_text(pilot, "created")


async def test_j_and_k_move_in_a_choice_dialog(db_path: Path) -> None:
    # The outcomes of x: j moved nothing, and enter took the first (Saved).
    seed(db_path)
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("x")
        await wait_for_text(pilot, "partial refund")
        await pilot.press("j", "j", "k", "enter")
        await wait_for_text(pilot, "Refund amount")


async def test_a_template_saved_in_the_picker_is_the_one_highlighted(db_path: Path) -> None:
    # The picker went back to its first template (the watch read the file the editor had
    # written as another program's change): enter then used that one.
    seed(db_path)
    app = make_app(db_path, clock=lambda: FROZEN, watch_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("T")
        await wait_for_text(pilot, "Could you tell me what")
        await pilot.press("n")
        await wait_for_text(pilot, "New template")
        await pilot.press(*"Zebra", "tab", *"zebra stripes for {buyer}", "ctrl+s")
        await wait_for_text(pilot, "zebra stripes for buyer-fo1")
        await pilot.pause(0.5)  # the watch looks at the file meanwhile
        assert "zebra stripes for buyer-fo1" in screen_text(app)
        assert "Could you tell me what" not in screen_text(app)
        await pilot.press("k", "e")  # the one above, edited: still the one highlighted
        await wait_for_text(pilot, "Edit template")
        await pilot.press("ctrl+u", *"Thanks again", "ctrl+s")
        await wait_for_text(pilot, "Thanks again")
        await pilot.pause(0.5)
        text = screen_text(app)
        assert "zebra stripes" not in text and "Could you tell me what" not in text
        await pilot.press("enter")
        await wait_for_text(pilot, "Buyer message")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(Board(Store(db_path)).get("FO1").entries))
    [entry] = Board(Store(db_path)).get("FO1").entries
    assert "zebra" not in entry.text and "isn't working" not in entry.text


@pytest.mark.parametrize("dialog", ["history", "help", "entry"])
async def test_reading_keys_scroll_each_key_a_line_at_once(db_path: Path, dialog: str) -> None:
    # Scrolled with an animation, keys pressed while it ran were lost: fifteen k did
    # nothing and the sixteenth moved; G stopped short of the end of a long history. In
    # an entry shown whole, j and k moved a hidden cursor, not the text.
    from textual.widget import Widget

    from tui.screens.order import OrderScreen
    from tui.screens.reading import ReadingKeys

    board = seed(db_path)
    for n in range(40):
        board.add_entry("FO1", EntryKind.NOTE, f"note number {n}")
    board.add_entry("FO1", EntryKind.MESSAGE, "\n".join(f"line {n}" for n in range(80)))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        if dialog == "entry":
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
            app.screen.query_one("#panel-message").focus()
            await pilot.pause()
            await pilot.press("enter")
        else:
            await pilot.press("H" if dialog == "history" else "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingKeys))
        await pilot.pause()
        view: Widget = app.screen.scroller()  # type: ignore[attr-defined]
        assert view.max_scroll_y > 16
        await pilot.press(*"j" * 15)
        assert view.scroll_y == 15
        await pilot.press(*"k" * 15)
        assert view.scroll_y == 0
        await pilot.press("G")
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("g")
        assert view.scroll_y == 0
        await pilot.press("pagedown")
        assert view.scroll_y == view.scrollable_content_region.height - 1
        await pilot.press("g", "ctrl+d")
        assert view.scroll_y == view.scrollable_content_region.height // 2
        await pilot.press("ctrl+u")
        assert view.scroll_y == 0


async def test_the_page_keys_move_a_column_as_many_cards_each_way(db_path: Path) -> None:
    # At 80x24 (17 lines of 5-line cards) pagedown moved 3 cards and pageup 4: Textual
    # rounds the page of lines down one way and up the other, so pagedown then pageup
    # left the cursor a card above where it was.
    from tui.screens.board import BoardScreen

    board = Board(Store(db_path), clock=lambda: FROZEN)
    for n in range(40):
        board.add_order(OrderDraft(f"FO{n:02d}", f"buyer-{n:02d}", gig="Logo", amount="20"))
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO00")
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        column = screen.focused_column()
        assert column is not None
        await pilot.press("pagedown")
        page = column.position
        assert page > 1
        await pilot.press("pagedown", "pagedown")
        middle = column.current_number
        assert middle == f"FO{3 * page:02d}"
        await pilot.press("pagedown")
        assert column.position == 4 * page
        await pilot.press("pageup")
        assert column.current_number == middle
        assert f"buyer-{3 * page:02d}" in screen_text(app)  # the cursor's card in sight
        await pilot.press("pageup", "pageup", "pageup")
        assert column.current_number == "FO00"
        assert "buyer-00" in screen_text(app)


async def test_ctrl_d_and_ctrl_u_move_half_a_page_and_still_edit_text(db_path: Path) -> None:
    # They did nothing anywhere. Half a page (vim's and lazygit's keys) in a column, an
    # order's panel, the stats and the library; in a text field (the board's filter, the
    # library's search) they still edit, as Textual's Input has them.
    from textual.widgets import Input, OptionList

    from tui.screens.board import BoardScreen
    from tui.screens.order import EntryPanel

    board = Board(Store(db_path), clock=lambda: FROZEN)
    for n in range(40):
        board.add_order(OrderDraft(f"FO{n:02d}", f"buyer-{n:02d}", gig="Logo", amount="20"))
    for n in range(30):
        board.add_entry("FO00", EntryKind.NOTE, f"note number {n}")
        board.add_entry("FO00", EntryKind.LESSON, f"lesson number {n}")
    app = make_app(db_path, clock=lambda: FROZEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO00")
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        column = screen.focused_column()
        assert column is not None
        await pilot.press("ctrl+d")
        half = column.position
        await pilot.press("pagedown")
        page = column.position - half
        assert 1 < half < page + 1  # 17 lines of 5-line cards: 2 cards, a page 3
        await pilot.press("ctrl+u")
        assert column.position == page
        await pilot.press("ctrl+u", "ctrl+d")
        assert column.position == page
        assert f"buyer-{page:02d}" in screen_text(app)
        await pilot.press("g", "question_mark")
        await wait_for_text(pilot, "Keys")
        lines = [" ".join(line.split()) for line in app.screen.table().plain.splitlines()]  # type: ignore[attr-defined]
        assert "^d Half page down" in lines and "^u Half page up" in lines
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)

        await pilot.press("slash", *"FO3")
        await wait_for_text(pilot, "(10)")  # FO30 to FO39
        await pilot.press("ctrl+u")  # the filter's text, all of it
        await wait_for_text(pilot, "(40)")
        assert screen.query_one(Input).value == ""
        await pilot.press("escape", "g", "enter")
        await wait_for_text(pilot, "Notes (30)")
        panel = app.focused
        assert isinstance(panel, EntryPanel) and panel.highlighted == 29
        await pilot.press("ctrl+u")
        up = panel.highlighted
        assert up is not None and up < 28  # more than a line's k
        assert f"note number {up}" in screen_text(app)
        await pilot.press("ctrl+d")
        assert panel.highlighted == 29
        await pilot.press("escape")

        await pilot.press("3")
        await wait_for_text(pilot, "40 cases: 40 open")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: "40 cases: 40 open" not in screen_text(app))
        await pilot.press("ctrl+u")
        await wait_for_text(pilot, "40 cases: 40 open")

        await pilot.press("2")
        await wait_for_text(pilot, "lesson number 29")
        listing = app.screen.query_one("#lesson-list", OptionList)
        assert listing.highlighted == 0  # the newest, highlighted as the library opens
        await pilot.press("j", "ctrl+d")
        assert (listing.highlighted or 0) > 2
        await pilot.press("ctrl+u")
        assert listing.highlighted == 1
        await pilot.press("slash", *"lesson")
        await pilot.press("ctrl+u")
        assert app.screen.query_one("#search", Input).value == ""
