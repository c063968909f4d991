"""A column draws what Textual would draw afresh, though it keeps what it drew before.

The card list keeps the lines of the cards before the first that changed, and its
scrollbar keeps the rows it drew for the same thumb. Each check here compares what is kept
(or on screen) with Textual's own drawing, from nothing, of the same state.
"""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.widgets import OptionList

from tests.conftest import stored_orders
from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.app import CancelboardApp
from tui.board import Board
from tui.domain import Move, OrderDraft, Stage
from tui.store import Store
from tui.widgets.column import CardList, CardScrollBar, StageColumn

SIZE = (80, 24)


def column_of(app: CancelboardApp, stage: Stage) -> StageColumn:
    return app.screen.query_one(f"#col-{stage.value}", StageColumn)


def lines_as_kept_and_afresh(cards: CardList) -> tuple[object, object]:
    """The list's line layout as kept, and as Textual's OptionList lays it out from nothing."""
    cache = cards._line_cache
    cards._update_lines()
    kept = (list(cache.lines), dict(cache.heights), dict(cache.index_to_line))
    cache.clear()
    OptionList._update_lines(cards)
    afresh = (list(cache.lines), dict(cache.heights), dict(cache.index_to_line))
    return kept, afresh


def bar_drawn(bar: ScrollBar) -> list[list[tuple[str, object]]]:
    """The scrollbar's rows as the screen gets them: each cell's glyph and style."""
    strips = bar.render_lines(Region(0, 0, *bar.size))
    return [[(segment.text, segment.style) for segment in strip] for strip in strips]


def bar_afresh(bar: ScrollBar) -> list[list[tuple[str, object]]]:
    """The scrollbar's rows as Textual draws them from nothing."""
    bar.refresh()
    strips = ScrollBar.render_lines(bar, Region(0, 0, *bar.size))
    return [[(segment.text, segment.style) for segment in strip] for strip in strips]


async def test_a_column_lays_its_cards_out_as_textual_would_afresh(db_path: Path) -> None:
    board = Board(Store(db_path))
    for i in range(1, 13):
        board.add_order(OrderDraft(f"FO{i}", "Bo" if i % 3 else "A buyer with a long name " * 3))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        column = column_of(app, Stage.TALK)
        talk = column.cards
        kept, afresh = lines_as_kept_and_afresh(talk)
        assert kept == afresh
        # A card from the middle leaves.
        Board(Store(db_path)).move("FO5", Move(Stage.REQUESTED))
        await wait_for(pilot, lambda: "FO5" not in column.numbers)
        kept, afresh = lines_as_kept_and_afresh(talk)
        assert kept == afresh
        assert len(talk._line_cache.heights) == 11
        # One comes at the end (the card above it gains its divider).
        Board(Store(db_path)).add_order(OrderDraft("FO13", "A buyer with a long name " * 3))
        await wait_for(pilot, lambda: "FO13" in column.numbers)
        kept, afresh = lines_as_kept_and_afresh(talk)
        assert kept == afresh
        # The last leaves (the one above loses its divider), and the first.
        for number in ("FO13", "FO1"):
            Board(Store(db_path)).move(number, Move(Stage.REQUESTED))
            await wait_for(pilot, lambda n=number: n not in column.numbers)  # type: ignore[misc]
            kept, afresh = lines_as_kept_and_afresh(talk)
            assert kept == afresh
        # A card's text changes (its buyer renamed) in the middle.
        Board(Store(db_path)).edit_order("FO7", OrderDraft("FO7", "Renamed " * 6))
        await wait_for(pilot, lambda: "Renamed" in str(talk.get_option("FO7").prompt.plain))
        kept, afresh = lines_as_kept_and_afresh(talk)
        assert kept == afresh
        # The column narrower: every card wraps anew.
        await pilot.resize_terminal(60, 24)
        await wait_for(pilot, lambda: talk.size.width < 16)
        kept, afresh = lines_as_kept_and_afresh(talk)
        assert kept == afresh


async def test_a_columns_scrollbar_shows_where_its_cards_are(db_path: Path) -> None:
    board = Board(Store(db_path))
    for i in range(1, 41):
        board.add_order(OrderDraft(f"FO{i}", "Bo"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        column = column_of(app, Stage.TALK)
        talk = column.cards
        bar = talk.vertical_scrollbar
        assert isinstance(bar, CardScrollBar)
        await wait_for(pilot, lambda: bar.display and bar.size.height > 0)
        top = bar_drawn(bar)
        assert top == bar_afresh(bar)
        await pilot.press("G")
        await wait_for(pilot, lambda: talk.scroll_offset.y > 0)
        await pilot.pause()
        bottom = bar_drawn(bar)
        assert bottom == bar_afresh(bar)
        assert bottom != top  # the thumb went down
        # Cards leave (the thumb grows): what shows is what Textual draws.
        for i in range(1, 16):
            Board(Store(db_path)).move(f"FO{i}", Move(Stage.REQUESTED))
        await wait_for(pilot, lambda: len(stored_orders(db_path)) == 40)
        await wait_for(pilot, lambda: "FO15" not in column.numbers)
        await pilot.pause()
        assert bar_drawn(bar) == bar_afresh(bar)
        await pilot.press("g")
        await wait_for(pilot, lambda: talk.scroll_offset.y == 0)
        await pilot.pause()
        assert bar_drawn(bar) == bar_afresh(bar)
        # A light theme: the same thumb in other colours.
        app.theme = "textual-light"
        await pilot.pause()
        assert bar_drawn(bar) == bar_afresh(bar)


async def test_the_cursors_card_stays_in_sight_when_the_terminal_is_resized(
    db_path: Path,
) -> None:
    # At 80x24, G on a column of many cards; the terminal grown to 120x40 and back: the
    # list kept a scroll position worked out for 40 rows, the cursor's card below it, and
    # the next '>' acted on a card the seller could not see.
    board = Board(Store(db_path))
    for n in range(16):
        board.add_order(OrderDraft(f"FO{n:02d}", f"buyer-{n:02d}", amount="20"))
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO00")
        await pilot.press("G")
        await wait_for_text(pilot, "FO15")
        for width, height in ((120, 40), SIZE):
            await pilot.resize_terminal(width, height)
            await pilot.pause(0.2)
        cards = column_of(app, Stage.TALK).cards
        assert cards.highlighted == 15
        first_line = cards._index_to_line[15]
        top = round(cards.scroll_offset.y)
        assert top <= first_line < top + cards.scrollable_content_region.height
        assert "FO15" in screen_text(app)
