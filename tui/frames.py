"""Writing frames for less: what a start-up has already written, and updates drawn
from the widgets they touch only.

Textual (8.2.8) repaints the whole screen two or three times in its first moments, after
the first frame is already on the terminal: a screen resumed, the screen's widgets
mounted, the size it is told at start. Nothing has changed by then, yet each repaint was a
whole frame again (at 120x40 with 1,000 orders: 80-116 kB in the first 2.5 s for a 35 kB
board), on an SSH link as much as locally. :class:`ShownRows` keeps each row as it was
written, piece by piece (Textual cuts a row where widgets meet, the same way in every
update), and passes on only what differs.

It is only trusted while nothing else can have touched the terminal: the app drops it at
the first key or mouse event (an editor may then take the terminal over), when the size
changes, and a few seconds after the first frame.

:class:`BandCompositor` draws an update (a key's few rows) without asking every widget
on the screen for every row first.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from textual._compositor import ChopsUpdate, Compositor, CompositorUpdate, LayoutUpdate
from textual.geometry import Region, Size
from textual.strip import Strip

Pieces = dict[int, tuple[int, str]]
"""A row's pieces as written: where each starts -> (where it ends, its escape sequence)."""


class ShownRows:
    """The screen's rows as the terminal shows them, as far as they are known."""

    def __init__(self, size: Size) -> None:
        self.size = size
        self._rows: dict[int, Pieces] = {}

    def unsent(self, update: CompositorUpdate, console: Console) -> CompositorUpdate | None:
        """``update`` without what the terminal already shows (None if that is all of it);
        what it writes is remembered as shown."""
        if isinstance(update, LayoutUpdate):
            return self._layout(update, console)
        if isinstance(update, ChopsUpdate):
            return self._chops(update, console)
        self._rows.clear()  # another kind of update: nothing is known any more
        return update

    def _layout(self, update: LayoutUpdate, console: Console) -> CompositorUpdate | None:
        width, height = self.size
        region = update.region
        rows = [list(line) for line in update.strips]
        if region.x != 0 or region.width != width or region.bottom > height:
            for y in range(region.y, region.y + len(rows)):
                self._rows.pop(y, None)  # not whole rows: written as it is
            return update
        chops: list[dict[int, Strip | None]] = [{} for _ in range(height)]
        ends: list[list[int]] = [[] for _ in range(height)]
        spans: list[tuple[int, int, int]] = []
        whole_rows = 0
        for y, strips in enumerate(rows, region.y):
            x = 0
            for strip in strips:
                chops[y][x] = strip
                x += strip.cell_length
                ends[y].append(x)
            unsent = self._unsent(y, chops[y].items(), ends[y], 0, width, console)
            whole_rows += unsent == [(0, width)]
            spans.extend((y, x1, x2) for x1, x2 in unsent)
        if whole_rows == len(rows):
            return update  # every row: as Textual writes it (one cursor move per row)
        return ChopsUpdate(chops, spans, ends) if spans else None

    def _chops(self, update: ChopsUpdate, console: Console) -> CompositorUpdate | None:
        kept = [
            (y, x1, x2)
            for y, span_x1, span_x2 in update.spans
            for x1, x2 in self._unsent(
                y, update.chops[y].items(), update.chop_ends[y], span_x1, span_x2, console
            )
        ]
        if not kept:
            return None
        if kept == update.spans:
            return update
        return ChopsUpdate(update.chops, kept, update.chop_ends)

    def _unsent(
        self,
        y: int,
        chops: Iterable[tuple[int, Strip | None]],
        ends: list[int],
        x1: int,
        x2: int,
        console: Console,
    ) -> list[tuple[int, int]]:
        """What of row ``y``, from ``x1`` to ``x2``, the terminal does not show as these
        pieces draw it: the pieces that differ (a scrollbar's thumb, not the cards beside
        it), or the whole span when the row is not known. Either way, the span is
        remembered as drawn by them."""
        pieces: Pieces = {}
        whole = True
        for end, (x, strip) in zip(ends, chops, strict=False):
            if strip is None or x >= x2 or end <= x1:
                continue
            if x < x1 or end > x2:
                whole = False  # a piece cut by the span: the row is not known whole
                continue
            pieces[x] = (end, strip.render(console))
        row = self._rows.get(y)
        if not whole:
            self._rows.pop(y, None)
            return [(x1, x2)]
        if row is None:
            if x1 == 0 and x2 >= self.size.width:
                self._rows[y] = pieces
            return [(x1, x2)]
        changed: list[tuple[int, int]] = []
        for x, (end, text) in sorted(pieces.items()):
            if row.get(x) == (end, text):
                continue
            if changed and changed[-1][1] == x:
                changed[-1] = (changed[-1][0], end)  # next to the last one: one span
            else:
                changed.append((x, end))
        if x1 == 0 and x2 >= self.size.width:
            self._rows[y] = pieces
        else:
            for x in [x for x, (end, _) in row.items() if x < x2 and end > x1]:
                del row[x]  # what the span covers is what it draws now
            row.update(pieces)
        return changed


class BandCompositor(Compositor):
    """Textual's compositor, drawing an update's rows only, from the widgets seen there.

    For an update (a card's few rows, say), Textual asks every widget whose container
    the update's bounding box touches for all of its rows, then keeps, piece by piece,
    the front one's: for a ``j`` at 120x40, 12 widgets (all five columns, the header, the
    key bar) and 340 rows to repaint 10 rows of one list. This asks for the box's rows
    only, and only the widgets that show in the repainted regions: for a ``j``, the list
    and its scrollbar (20 rows); for a card moving to the next column, the two lists,
    scrollbars and titles (140 rows, was 212 with the columns' borders behind them).
    What it writes is the same (``test_frames`` compares the two on a full board).
    """

    _repainting: list[Region] | None = None
    """The regions a partial update repaints, while it is drawn."""

    def render_partial_update(self) -> ChopsUpdate | None:
        self._repainting = list(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._repainting = None

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if crop is None:
            yield from super()._get_renders(crop)
            return
        top, height = crop.y, crop.height
        # What is written: the regions to repaint (the crop is only their bounding box).
        repainted = self._repainting or [crop]
        drawn: list[Region] = []
        for widget, (region, clip) in self.visible_widgets.items():  # front to back
            shown = region.intersection(clip)
            seen = [area for area in (shown.intersection(r) for r in repainted) if area]
            if not seen or all(_covered(area, drawn) for area in seen):
                # Outside the update, or behind widgets in front of it there: a widget
                # draws every cell of its region, and a piece of a row never crosses a
                # widget's edge, so each piece in the update is drawn from a front one
                # (for a card, the list: not its column, the row of columns, the screen).
                continue
            band = shown.intersection(Region(shown.x, top, shown.width, height))
            drawn.append(band)
            yield (
                region,
                band,
                widget.render_lines(
                    Region(band.x - region.x, band.y - region.y, band.width, band.height)
                ),
            )


def _covered(area: Region, fronts: list[Region]) -> bool:
    """Whether every cell of ``area`` lies in one of ``fronts``."""
    fronts = [front for front in fronts if front.overlaps(area)]
    if any(front.contains_region(area) for front in fronts):
        return True
    if not fronts:
        return False
    # Row bands in which the same fronts span all rows: each must be covered end to end.
    top, bottom = area.y, area.bottom
    edges = sorted(
        {top, bottom, *(max(f.y, top) for f in fronts), *(min(f.bottom, bottom) for f in fronts)}
    )
    for band_top, band_bottom in zip(edges, edges[1:], strict=False):
        x = area.x
        for left, right in sorted(
            (f.x, f.right) for f in fronts if f.y <= band_top and f.bottom >= band_bottom
        ):
            if left > x:
                break
            x = max(x, right)
        if x < area.right:
            return False
    return True
