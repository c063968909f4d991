"""Start-up repaints send only what the terminal does not show yet (``tui.frames``)."""

from __future__ import annotations

import random
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, Compositor, InlineUpdate, LayoutUpdate
from textual.geometry import Region, Size
from textual.strip import Strip

from tests.perf._perf_boards import build_board
from tests.ui.helpers import make_app
from tui.frames import BandCompositor, ShownRows, _covered

WIDTH, HEIGHT = 12, 3
CONSOLE = Console(width=WIDTH, force_terminal=True, color_system="truecolor")
RED = Style(color="red")


def strip(text: str, style: Style | None = None) -> Strip:
    return Strip([Segment(text, style)], len(text))


def row(left: str, right: str, style: Style | None = None) -> list[Strip]:
    """A row cut where two widgets meet (at 6), as Textual cuts it."""
    return [strip(left.ljust(6)), strip(right.ljust(6), style)]


def screen(*rows: list[Strip]) -> LayoutUpdate:
    return LayoutUpdate([list(r) for r in rows], Region(0, 0, WIDTH, HEIGHT))


def chops(y: int, x1: int, x2: int, pieces: list[Strip]) -> ChopsUpdate:
    """An update of row ``y`` from ``x1`` to ``x2`` (its pieces start at 0 and 6)."""
    lines: list[dict[int, Strip | None]] = [{} for _ in range(HEIGHT)]
    ends: list[list[int]] = [[] for _ in range(HEIGHT)]
    x = 0
    for piece in pieces:
        lines[y][x] = piece
        x += piece.cell_length
        ends[y].append(x)
    return ChopsUpdate(lines, [(y, x1, x2)], ends)


def written(update: object) -> str:
    assert isinstance(update, (LayoutUpdate, ChopsUpdate))
    return update.render_segments(CONSOLE)


def board() -> LayoutUpdate:
    return screen(row("a", "b"), row("c", "d"), row("e", "f"))


def test_the_first_frame_is_written_as_it_is() -> None:
    shown = ShownRows(Size(WIDTH, HEIGHT))
    first = board()
    assert shown.unsent(first, CONSOLE) is first


def test_a_repaint_of_the_same_screen_sends_nothing() -> None:
    shown = ShownRows(Size(WIDTH, HEIGHT))
    shown.unsent(board(), CONSOLE)
    assert shown.unsent(board(), CONSOLE) is None
    assert shown.unsent(chops(1, 0, WIDTH, row("c", "d")), CONSOLE) is None
    assert shown.unsent(chops(1, 6, WIDTH, row("c", "d")), CONSOLE) is None


def test_a_repaint_sends_the_pieces_that_changed_and_only_those() -> None:
    shown = ShownRows(Size(WIDTH, HEIGHT))
    shown.unsent(board(), CONSOLE)
    update = shown.unsent(screen(row("a", "b"), row("c", "D", RED), row("e", "f")), CONSOLE)
    sent = written(update)
    assert "D" in sent and "a" not in sent and "e" not in sent
    # Not the rest of its row either (a scrollbar's thumb must not send the cards beside it).
    assert "c" not in sent
    assert "\x1b[2;7H" in sent  # to the piece that changed (1-based)
    # What it sent is what the terminal shows now: sent again, it is not.
    assert shown.unsent(screen(row("a", "b"), row("c", "D", RED), row("e", "f")), CONSOLE) is None
    # A style is a change too.
    assert "D" in written(shown.unsent(chops(1, 0, WIDTH, row("c", "D")), CONSOLE))
    # A part of a row repainted (a list and its scrollbar) sends only its pieces that differ.
    sent = written(shown.unsent(chops(2, 0, WIDTH, row("e", "F")), CONSOLE))
    assert "F" in sent and "e" not in sent and "\x1b[3;7H" in sent


def test_part_of_a_row_is_remembered_for_the_whole_row() -> None:
    shown = ShownRows(Size(WIDTH, HEIGHT))
    shown.unsent(board(), CONSOLE)
    assert "x" in written(shown.unsent(chops(0, 6, WIDTH, row("a", "x")), CONSOLE))
    assert shown.unsent(screen(row("a", "x"), row("c", "d"), row("e", "f")), CONSOLE) is None
    sent = written(shown.unsent(board(), CONSOLE))  # row 0 back as it was: sent
    assert "b" in sent and "c" not in sent


def test_a_piece_cut_by_an_update_leaves_the_row_unknown() -> None:
    shown = ShownRows(Size(WIDTH, HEIGHT))
    shown.unsent(board(), CONSOLE)
    cut = chops(0, 3, WIDTH, row("a", "b"))  # starts inside the first piece
    assert shown.unsent(cut, CONSOLE) is cut
    assert "a" in written(shown.unsent(board(), CONSOLE))  # the row is sent whole again


def test_other_updates_are_written_and_forget_what_is_shown() -> None:
    shown = ShownRows(Size(WIDTH, HEIGHT))
    shown.unsent(board(), CONSOLE)
    inline = InlineUpdate([strip("z" * WIDTH)])
    assert shown.unsent(inline, CONSOLE) is inline
    assert shown.unsent(board(), CONSOLE) is not None
    narrow = LayoutUpdate([row("a", "b")], Region(0, 0, 6, 1))  # not whole rows
    assert shown.unsent(narrow, CONSOLE) is narrow
    assert "a" in written(shown.unsent(board(), CONSOLE))


async def test_the_app_stops_leaving_rows_out_once_anything_else_may_have_drawn(
    db_path: Path,
) -> None:
    # Headless, the app never starts ShownRows (nothing is written): started by hand here.
    app = make_app(db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()

        def started() -> None:
            app._shown_rows = ShownRows(app.size)

        started()
        await pilot.resize_terminal(100, 30)  # told the size it has: still trusted
        assert app._shown_rows is not None
        await pilot.press("j")  # a key may hand the terminal to an editor
        assert app._shown_rows is None
        started()
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        assert app._shown_rows is None
        started()
        app.app_suspend_signal.publish(app)
        await pilot.pause()
        assert app._shown_rows is None


def cells_written(update: ChopsUpdate) -> dict[tuple[int, int], Strip]:
    """The pieces of rows an update writes to the terminal, by where they start: those
    with a cell in one of its spans (a piece starting where a span ends writes none)."""
    written = {}
    for y, x1, x2 in update.spans:
        for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=True):
            if strip is not None and x < x2 and end > x1:
                written[y, x] = strip
    return written


async def test_the_board_draws_an_update_as_textual_would(db_path: Path) -> None:
    # BandCompositor asks fewer widgets for fewer rows: what it writes must be what
    # Textual's own compositor writes, for any set of repainted regions, on a full board.
    build_board(db_path, 300)
    app = make_app(db_path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("j", "j", "l", "j")  # a cursor in the middle of a list
        app.notify("a notice over the cards", timeout=60)  # a layer in front of them
        await pilot.pause(0.3)
        compositor = app.screen._compositor
        assert isinstance(compositor, BandCompositor)
        rng = random.Random(7)
        lines = set()

        def written_for(regions: list[Region], stock: bool) -> dict[tuple[int, int], Strip]:
            compositor._dirty_regions.update(regions)
            if stock:  # Textual's own, on the same map
                compositor._get_renders = partial(Compositor._get_renders, compositor)  # type: ignore[method-assign]
            try:
                update = compositor.render_partial_update()
            finally:
                compositor.__dict__.pop("_get_renders", None)
            assert isinstance(update, ChopsUpdate)
            return cells_written(update)

        for _ in range(150):
            regions = []
            for _ in range(rng.randint(1, 3)):
                x, y = rng.randrange(100), rng.randrange(30)
                width, height = rng.randint(1, 100 - x), rng.randint(1, min(8, 30 - y))
                regions.append(Region(x, y, width, height))
            ours, textuals = written_for(regions, False), written_for(regions, True)
            assert ours == textuals, regions
            lines.add(len({y for y, _ in ours}))
        assert len(lines) > 5  # updates of many sizes were compared
        # And a whole frame (the first, a resize): every piece of every row.
        frames = []
        for stock in (False, True):
            if stock:
                compositor._get_renders = partial(Compositor._get_renders, compositor)  # type: ignore[method-assign]
            try:
                frames.append([list(row) for row in compositor.render_full_update().strips])
            finally:
                compositor.__dict__.pop("_get_renders", None)
        assert frames[0] == frames[1]
        assert "a notice over the cards" in "".join(
            strip.text for row in frames[0] for strip in row
        )


def test_an_area_is_covered_only_when_fronts_cover_every_cell() -> None:
    area = Region(0, 0, 10, 10)
    halves = [Region(0, 0, 10, 5), Region(0, 5, 10, 5)]
    assert _covered(area, [Region(0, 0, 10, 10)])
    assert _covered(area, halves)
    assert _covered(area, [Region(0, 0, 5, 10), Region(5, 0, 5, 10)])
    assert _covered(area, [Region(-3, -3, 20, 20)])
    assert _covered(Region(2, 2, 3, 3), halves)
    assert not _covered(area, [])
    assert not _covered(area, [Region(20, 20, 5, 5)])
    assert not _covered(area, halves[:1])
    assert not _covered(area, [Region(0, 0, 5, 10), Region(6, 0, 4, 10)])  # a column open
    assert not _covered(area, [Region(0, 0, 10, 5), Region(0, 6, 10, 4)])  # a row open
    assert not _covered(area, [Region(0, 0, 10, 5), Region(0, 5, 9, 5)])  # one cell open
