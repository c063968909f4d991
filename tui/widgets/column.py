"""A stage column: a line-based list of cards (one OptionList, not one widget per card)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from itertools import repeat
from typing import TYPE_CHECKING, Self, cast

from rich.cells import cell_len
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import NoScreen
from textual.geometry import Region, Size, Spacing
from textual.reactive import Reactive, reactive
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.domain import Order, Settings, Stage
from tui.widgets.card import CardText, card_lines
from tui.widgets.lists import CURSOR_ACTIONS, move_by_lines, run_cursor_binding

if TYPE_CHECKING:
    from textual.css.styles import RulesMap


class CardScrollBar(ScrollBar):
    """A column's scrollbar, drawn again only when what it shows changed.

    A card more or less changes the list's height by a few lines, and Textual draws the
    whole bar again, row by row through the widget's styles (~1.8 ms for 34 rows; two
    bars were a third of a ``>``'s paint), though its thumb, an eighth of a cell at its
    finest, mostly stays where it was. The bar's cells are worked out first (cheap), and
    the rows last drawn for the very same cells are used again.
    """

    _drawn: tuple[object, list[Strip]] | None = None

    def _cells(self, crop: Region) -> object:
        """What the bar's rows in ``crop`` are drawn from (None: not known, draw them)."""
        bar = self.render()
        if type(bar) is not ScrollBarRender or not self.vertical:
            return None
        style = bar.style
        if isinstance(style, str):
            return None
        cells = bar.render_bar(
            size=self.size.height,
            virtual_size=bar.virtual_size,
            window_size=bar.window_size,
            position=bar.position,
            thickness=self.size.width,
            vertical=True,
            back_color=style.bgcolor or RichColor.parse("#555555"),
            bar_color=style.color or RichColor.parse("bright_magenta"),
        )
        return (
            tuple(cells.segments),
            self.size,
            crop,
            self.background_colors,
            tuple(id(line_filter) for line_filter in self.get_line_filters()),
            id(self.app.ansi_theme),
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        cells = self._cells(crop)
        if cells is not None and self._drawn is not None and self._drawn[0] == cells:
            return list(self._drawn[1])
        if cells is not None:
            # Drawn from nothing: what is kept must be the bar for these very cells (Textual
            # may still hold rows drawn before its last change, until its next repaint).
            self._styles_cache.clear()
            self._dirty_regions.add(self.size.region)
        strips = super().render_lines(crop)
        self._drawn = None if cells is None else (cells, strips)
        return strips


class CardList(OptionList):
    """The cards of a column, one option (a few lines) per card.

    Over a slow SSH link a whole-column repaint per key press is most of the bytes sent, so
    moving the cursor repaints only the two cards involved, and focus coming or going
    repaints only the card under the cursor: the cursor's look is chosen here
    (``cardlist--cursor`` while :attr:`cursor_shown`) instead of by ``:focus`` rules, which
    would restyle and repaint the whole list.
    """

    COMPONENT_CLASSES = {"cardlist--cursor"}

    highlighted: reactive[int | None] = reactive(None, repaint=False)

    auto_links: Reactive[bool] = Reactive(False)
    """Cards hold no links (their text is plain): no pass over every line drawn to style
    them, and no repaint when the mouse's hover style changes."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """How many lines the cards take. A column's size never depends on it (the list is as
    high as the column), so a card more or less needs no layout of the whole screen: the
    scrollbar follows by itself (``_scroll_update``)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g,home", "first", "First card", show=False),
        Binding("G,end", "last", "Last card", show=False),
        # Not taken from text fields: a widget's own bindings come first (Input's ctrl+u
        # and ctrl+d edit), and these are not priority ones.
        Binding("ctrl+d", "half_page_down", "Half page down", show=False),
        Binding("ctrl+u", "half_page_up", "Half page up", show=False),
    ]

    cursor_shown = False
    """Whether the card under the cursor is drawn as the cursor (the keys act here)."""

    def action_select(self) -> None:
        if self.highlighted is None:  # no card: the screen says so (OptionList: nothing)
            self.call_later(self.run_action, "screen.open")
            return
        super().action_select()

    # The page keys move a page of cards the same each way (see :func:`move_by_lines`);
    # ctrl+d and ctrl+u half a page, as in vim and lazygit.

    def action_page_down(self) -> None:
        self._move_by_lines(self.scrollable_content_region.height)

    def action_page_up(self) -> None:
        self._move_by_lines(-self.scrollable_content_region.height)

    def action_half_page_down(self) -> None:
        self._move_by_lines(max(self.scrollable_content_region.height // 2, 1))

    def action_half_page_up(self) -> None:
        self._move_by_lines(-max(self.scrollable_content_region.height // 2, 1))

    def _move_by_lines(self, lines: int) -> None:
        with self._laid_out():
            move_by_lines(self, lines)

    def show_cursor(self, shown: bool) -> None:
        """Draw the cursor's card as the cursor, or as any other card."""
        if shown != self.cursor_shown:
            self.cursor_shown = shown
            self._refresh_cards(self.highlighted)

    def scroll_to_highlight(self, top: bool = False) -> None:
        super().scroll_to_highlight(top)
        self._start_on_a_card()

    def _start_on_a_card(self) -> None:
        """Scroll down to the next card's first line when the top line is inside a card
        above the cursor's (the cursor's card stays in sight, higher up).

        Textual scrolls as little as shows the cursor's card, so the list began with
        another card's lower lines, without its order number (a tall card's, after a
        filter was cleared, read "#tag-3" / "#tag-4")."""
        lines = self._line_cache.lines
        top = round(self.scroll_offset.y)
        if not 0 < top < len(lines):
            return
        index, row = lines[top]
        if not row:
            return
        cursor = self.highlighted
        start = self._line_cache.index_to_line.get(cursor) if cursor is not None else None
        following = top - row + self._line_cache.heights.get(index, 0)
        if start is None or start < following:
            return  # the cut card is the cursor's own (taller than the list)
        self.scroll_to(y=following, animate=False, immediate=True)

    async def handle_key(self, event: events.Key) -> bool:
        # The keys that move the cursor answer here. Textual would let the key bubble up
        # through the column, the columns' row and the screen to the app (a message pump
        # woken at each), which then works out the binding chain from here up twice and
        # finds them first: ~0.3 ms of a ~1.8 ms cursor move. Same order as Textual's:
        # key_ methods, then bindings not marked priority (those ran before the key came
        # here); a remapped key (a keymap) takes Textual's way. Not enter: a card opened
        # sooner than the keys typed after it reach the app was closed by an escape
        # typed ahead while its screen was still being built, which Textual's Header
        # does not survive.
        orders_read: asyncio.Event | None = getattr(self.app, "orders_read", None)
        if orders_read is not None and not orders_read.is_set():
            # Typed before a big board's start has shown the rest of the cards (it draws
            # the first ones first): ``G`` means the last card of them all, ``j`` moves
            # on from where the cursor will be then. Keys typed after wait behind it.
            await orders_read.wait()
        if await super().handle_key(event):
            return True
        return await run_cursor_binding(self, event, CURSOR_ACTIONS)

    def get_visual_style(self, *component_classes: str, partial: bool = False) -> VisualStyle:
        if self.cursor_shown and component_classes[-1:] == ("option-list--option-highlighted",):
            component_classes = (*component_classes[:-1], "cardlist--cursor")
        return super().get_visual_style(*component_classes, partial=partial)

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The list's scrollbar (made when first asked for, as Textual's is)."""
        if self._vertical_scrollbar is None:
            bar = CardScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            self._vertical_scrollbar = bar
            bar.display = False
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def _refresh_cards(self, *indexes: int | None) -> None:
        """Repaint these cards only (the whole list if one is not laid out yet).

        Beside the scrollbar: ``refresh_lines`` takes the list's whole width, so every
        cursor move drew the scrollbar's rows again too, unchanged (a fifth of the bytes
        of a ``j`` at 120x40: ~945 -> ~745 B)."""
        width = self.scrollable_content_region.width
        for index in set(indexes):
            if index is None:
                continue
            line = self._index_to_line.get(index)
            height = self._line_cache.heights.get(index)
            if line is None or height is None:
                self.refresh()
                return
            self.refresh(Region(0, line - self.scroll_offset.y, width, height))

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # The screen's layout passes the list's region as its virtual size, which never
        # equals the list's own (the lines of its cards), so every layout (a notice coming
        # or going) redrew every column's scrollbar. The list's own size is what counts.
        resized = super()._size_updated(size, self.virtual_size, container_size, layout)
        if resized:
            # The layout resizing the list paints all of it (Textual would repaint it all
            # again at its next update).
            self._repaint_regions.clear()
        elif self._repaint_regions:
            # Left from a refresh made while the list was not on screen yet: Textual keeps
            # it until the list's next update, which on a slow start was the first key
            # press (the whole column, 4.2 kB for a cursor move instead of 1 kB). Ask for
            # that update now, for the regions as they are.
            self._repaint_required = True
            self.check_idle()
        return resized

    def _on_resize(self, event: events.Resize) -> None:  # type: ignore[override]
        # OptionList clears its caches and repaints the whole list after the layout has
        # painted it; they are cleared before that paint instead (``_update_lines``).
        event.prevent_default()
        # The cursor's card stays in sight: after the terminal grew and shrank back, the
        # list kept a scroll position worked out for other heights, the cursor's card
        # below it, and the next '>', x or D acted on a card the seller could not see.
        self.call_after_refresh(self._cursor_in_sight)

    def _cursor_in_sight(self) -> None:
        if self.highlighted is not None and self.is_mounted:
            self.scroll_to_highlight()

    _laid_out_for = -1
    """The width (beside the scrollbar, if shown) the cached cards were laid out for."""

    _lines_held = False
    """Whether the lines were just laid out for what is being done (a draw, a cursor
    move), which cannot change them: OptionList lays them out again each time it reads
    them, and each time works out the list's region (a screen lookup, five times over)."""

    @contextmanager
    def _laid_out(self) -> Iterator[None]:
        """Lines laid out once for what runs inside."""
        if self._lines_held:
            yield
            return
        self._update_lines()
        self._lines_held = True
        self._padding = self.get_component_styles("option-list--option").padding
        try:
            yield
        finally:
            self._lines_held = False
            self._padding = None

    _padding: Spacing | None = None
    """The cards' padding, while the lines are held (OptionList looks it up, and the
    list's region, for every line it draws, before finding the card drawn already)."""

    def _get_option_render(self, option: Option, style: VisualStyle) -> list[Strip]:
        drawn = None
        if self._padding is not None:
            drawn = self._option_render_cache.get((option, style, self._padding))
        if drawn is None:
            drawn = super()._get_option_render(option, style)
        if (
            self.cursor_shown
            and self.highlighted is not None
            and self._options[self.highlighted] is option
            and style.foreground is not None
        ):
            return self._as_cursor(option, style, drawn)
        return drawn

    _cursor_drawn: tuple[Option, VisualStyle, list[Strip], list[Strip]] | None = None

    def _as_cursor(self, option: Option, style: VisualStyle, drawn: list[Strip]) -> list[Strip]:
        """The cursor's card in the cursor's own text colour, as a selection is: its tags'
        and timers' colours on the cursor's tint could not be read (the light theme's
        #tag: 1.5:1). Warnings stay bold."""
        kept = self._cursor_drawn
        if kept is not None and kept[0] is option and kept[1] == style and kept[2] is drawn:
            return kept[3]
        assert style.foreground is not None
        over = RichStyle(color=style.foreground.rich_color)
        recoloured = [
            strip  # the rule under the card stays as the others' are
            if not strip.text.strip(" ─")
            else Strip(Segment.apply_style(strip._segments, post_style=over), strip.cell_length)
            for strip in drawn
        ]
        self._cursor_drawn = (option, style, drawn, recoloured)
        return recoloured

    def render_lines(self, crop: Region) -> list[Strip]:
        # OptionList reads its lines for every line it draws: a quarter of a redraw.
        with self._laid_out():
            return Widget.render_lines(self, crop)

    def _update_lines(self) -> None:
        # Called before any line is drawn. Cards wrap to the width beside the scrollbar,
        # which changes with the terminal's width and as the scrollbar comes and goes
        # (with its height, or a card more or less): lay them out again for it.
        if self._lines_held:
            return
        if not self._line_cache.lines and not self.show_vertical_scrollbar:
            # The screen's layout hid the scrollbar (the list had no lines yet): when
            # the cards cannot fit, it shows now, before they are laid out for the width
            # beside it, not after (a second layout of every card).
            height = self.scrollable_content_region.height
            if height and self._fewest_lines(self._options) > height:
                self.show_vertical_scrollbar = True
        self._fit_width()
        self._lay_out_lines()
        if self._fit_width():
            # Laying them out showed or hid the scrollbar: once more, for the new width
            # (which cannot undo it: narrower cards take no fewer lines, wider no more).
            self._lay_out_lines()
            self.refresh()

    def _lay_out_lines(self) -> None:
        """OptionList's ``_update_lines``, for cards: which lines each card takes.

        The same cache, built the same way, in a tighter loop: a card moving lays out its
        two columns' lines anew (every card after it moved up or down), and OptionList's
        took ~6 µs a card, a third of the move's layout on a big board."""
        region = self.scrollable_content_region
        if not region:
            return
        cache = self._line_cache
        lines = cache.lines
        options = self._options
        start = lines[-1][0] + 1 if lines else 0
        width = region.width - self._get_left_gutter_width()
        if start < len(options):
            styles = cast("RulesMap", self.styles)  # what OptionList passes
            inner = width - self.get_component_styles("option-list--option").padding.width
            heights = cache.heights
            index_to_line = cache.index_to_line
            extend = lines.extend
            for index in range(start, len(options)):
                option = options[index]
                prompt = option.prompt
                if type(prompt) is CardText and option._visual is prompt:
                    count = prompt.get_height(styles, inner) + option._divider
                else:
                    count = self._get_visual(option).get_height(styles, inner) + option._divider
                index_to_line[index] = len(lines)
                heights[index] = count
                extend(zip(repeat(index, count), range(count), strict=True))
        last_divider = bool(options) and options[-1]._divider
        virtual_size = Size(width, len(lines) - (1 if last_divider else 0))
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def _fit_width(self) -> bool:
        """Forget the cards laid out for another width; whether there were such."""
        width = self.scrollable_content_region.width
        if width == self._laid_out_for:
            return False
        self._laid_out_for = width
        self._option_render_cache.clear()
        self._line_cache.clear()
        return True

    def replace_cards(self, options: Sequence[Option], highlighted: int | None) -> None:
        """Show these cards (a divider under each but the last) with ``highlighted`` as
        the cursor, keeping the scroll position where it can.

        Unlike ``set_options``, the list is never empty in between (an empty list hid its
        scrollbar and the next line showed it again: two screen layouts), and a card passed
        in again keeps what it drew (its cached lines): only new cards are laid out. The
        lines of the cards before the first that changed are kept too (a card coming to
        the end of a column lays out only itself and the card above it).
        """
        last = len(options) - 1
        old = self._options
        kept = 0
        for before, option in zip(old, options, strict=False):
            if before is not option or before._divider != (kept < last):
                break
            kept += 1
        for index, option in enumerate(options):
            option._divider = index < last
        self._options[:] = options
        self._id_to_option = {option.id: option for option in options if option.id is not None}
        self._option_to_index = {option: index for index, option in enumerate(options)}
        self._mouse_hovering_over = None
        self._forget_lines(kept)
        if not self.scrollable_content_region:
            self._overflow_before_layout(options)
        self._update_lines()
        self.refresh()
        self.highlighted = highlighted

    def _forget_lines(self, kept: int) -> None:
        """Forget the lines of every card but the first ``kept``."""
        cache = self._line_cache
        first = cache.index_to_line.get(kept) if kept else 0
        if first is None:
            if not cache.lines or cache.lines[-1][0] < kept:
                return  # not laid out that far: nothing to forget
            cache.clear()
            return
        del cache.lines[first:]
        for index in [index for index in cache.heights if index >= kept]:
            del cache.heights[index]
            cache.index_to_line.pop(index, None)

    def _overflow_before_layout(self, options: Sequence[Option]) -> None:
        """Show the scrollbar from the first layout if the cards cannot fit.

        A list's height in lines is known once its cards are laid out, at its first draw,
        after the screen's first layout; a scrollbar then showing made a second layout,
        and the whole list (and screen) was drawn again right after the first frame. The
        lines the cards take at any width (their lines unwrapped, and the dividers) are a
        floor: when that floor is taller than the whole terminal, the list overflows
        whatever its height, and the first layout can give it its scrollbar."""
        if self._fewest_lines(options) > self.app.size.height:
            self.show_vertical_scrollbar = True

    def _refresh_scrollbars(self) -> None:
        if (
            self.show_vertical_scrollbar
            and not self.virtual_size.height
            and self._fewest_lines(self._options) > self.app.size.height
        ):
            # The screen's first layout, before the cards are laid out: Textual would hide
            # the scrollbar (the list has no lines yet) that :meth:`_overflow_before_layout`
            # showed, and the cards drawn meanwhile at the width beside it would be drawn
            # again, wider, in a frame that had no room for it.
            return
        super()._refresh_scrollbars()

    @staticmethod
    def _fewest_lines(options: Sequence[Option]) -> int:
        """The lines these cards take at any width (unwrapped, and the dividers)."""
        return sum(
            option.prompt.fewest_lines if isinstance(option.prompt, CardText) else 1
            for option in options
        ) + max(len(options) - 1, 0)

    def _card_at(self, event: events.MouseEvent) -> int | None:
        """The index of the card under the mouse, from where the mouse is.

        Not from the lines' meta, as OptionList does: a card kept by :meth:`replace_cards`
        keeps the lines it drew, and with them the index it had then (a card leaving
        above it shifts it up), so a click opened the card below, or, past the end,
        ended the app with an IndexError."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        lines = self._lines
        line = offset.y + self.scroll_offset.y
        if not 0 <= line < len(lines):
            return None
        index, row = lines[line]
        if self._options[index]._divider and row == self._heights[index] - 1:
            return None  # the line between two cards
        return index

    async def _on_click(self, event: events.Click) -> None:
        event.prevent_default()  # OptionList's reads the index from the lines drawn
        index = self._card_at(event)
        if index is not None and not self._options[index].disabled:
            self.highlighted = index
            self.action_select()

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        event.prevent_default()
        self._mouse_hovering_over = self._card_at(event)

    def watch_highlighted(self, old: int | None, new: int | None) -> None:  # type: ignore[override]
        # Scrolling to the cursor and repainting its cards read the lines six times.
        # OptionList's also posts OptionHighlighted, which nothing here reads: it bubbled
        # through the column, the columns' row and the screen, a message pump woken at
        # each, on every cursor move.
        with self._laid_out():
            if new is not None and not self._options[new].disabled:
                self.scroll_to_highlight()
            self._refresh_cards(old, new)

    # Textual repaints a whole widget when it is focused, blurred or restyled; for a card
    # list only the card under the cursor changes looks on focus. A real style change
    # (a theme) still repaints: changed rules and component styles refresh the list.

    def focus(self, scroll_visible: bool = True) -> Self:
        def set_focus(widget: Widget) -> None:
            with suppress(NoScreen):
                widget.screen.set_focus(self, scroll_visible=scroll_visible)

        self.app.call_later(set_focus, self)
        return self

    def watch_has_focus(self, has_focus: bool) -> None:
        pass  # no restyle: nothing in the list's CSS depends on :focus (see the class doc)

    def notify_style_update(self) -> None:
        Widget.notify_style_update(self)  # not OptionList's, which repaints every time

    def _on_focus(self, event: events.Focus) -> None:
        event.prevent_default()  # Widget._on_focus, without its whole-widget repaint
        self.has_focus = True
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self))

    def _on_blur(self, event: events.Blur) -> None:
        event.prevent_default()
        self.has_focus = False
        if self.parent is not None:
            self.parent.post_message(events.DescendantBlur(self))


SHORT_LABELS = {
    Stage.TALK: ("Talk",),
    Stage.REQUESTED: ("Requested", "Request"),
    Stage.REVIEW: ("Review",),
    Stage.FOLLOW_UP: ("Follow up",),
    Stage.LESSONS: ("Lessons",),
    Stage.CLOSED: ("Closed",),
}
"""Column titles where the full one would break inside a word, longest first."""


def title_for(stage: Stage, width: int) -> str:
    """The longest of a stage's titles whose words fit ``width`` cells (the shortest if
    none does)."""
    for label in (stage.label, *SHORT_LABELS[stage]):
        if max(map(cell_len, label.split())) <= width:
            return label
    return SHORT_LABELS[stage][-1]


class StageColumn(Vertical):
    """A stage's title (wrapped, never cut: it must read in full at 80 columns) and cards.

    Redraws its cards only when what they show has changed.
    """

    def __init__(self, stage: Stage) -> None:
        super().__init__(id=f"col-{stage.value}", classes="stage-column")
        self.stage = stage
        self.numbers: list[str] = []
        """Order numbers in display order."""
        self._signature: tuple[tuple[str, ...], ...] | None = None
        self._settings: Settings | None = None
        """The settings the cards were worked out with."""
        self._drawn: dict[str, tuple[Order, tuple[str, ...]]] = {}
        """Each card's order and lines as last worked out (the clock's tick redoes them)."""
        self._count = 0
        self._total = 0
        self.cards = CardList(classes="cards")
        self.heading = Static(self._title(0), classes="column-title")

    def compose(self) -> ComposeResult:
        yield self.heading
        yield self.cards

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.mark_focused(True)  # focus came another way: a click, a dialog closing

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.mark_focused(False)

    def mark_focused(self, focused: bool) -> None:
        """Show this column as the one the keys act on (its title, its cursor), or not.

        The board calls it with the key that moves focus, so title and cards change in the
        same frame as the cursor (focus itself arrives a frame later); a class set restyles
        the title there and then.
        """
        self.heading.set_class(focused, "-focused")
        self.cards.show_cursor(focused)

    _label = ""
    """The stage's title that fits the column (see :func:`title_for`); '' before the
    first layout (the full one)."""

    def _title(self, count: int, total: int | None = None) -> str:
        label = self._label or self.stage.label
        if total is not None and total > count:
            return f"{label} (newest {count:,} of {total:,})"
        return f"{label} ({count})"

    def on_resize(self, event: events.Resize) -> None:
        # Six columns at 80 (the archive shown) leave 11 cells: "Cancellation" broke as
        # "Cancellatio" / "n requested". A title that narrow takes the short name.
        width = event.size.width - self.styles.gutter.width
        label = title_for(self.stage, width) if width > 0 else ""
        if label != (self._label or self.stage.label):
            self._label = label
            self.heading.update(self._title(self._count, self._total), layout=True)

    def _set_title(self, count: int, total: int) -> None:
        # A count of the same number of digits wraps the title the same way: the screen
        # needs no new layout (a full layout was most of a move's redraw on a big board).
        old, new = self._title(self._count, self._total), self._title(count, total)
        if new != old:
            self.heading.update(new, layout=len(new) != len(old))
        self._count, self._total = count, total

    def focus(self, scroll_visible: bool = True) -> StageColumn:
        """Focus goes to the cards."""
        self.cards.focus(scroll_visible)
        return self

    @property
    def has_focus(self) -> bool:  # type: ignore[override]
        """Whether the cards have focus."""
        return self.cards.has_focus

    def show_orders(
        self,
        orders: Sequence[Order],
        now: datetime,
        settings: Settings,
        *,
        timed: bool = True,
        total: int | None = None,
        first: bool = False,
    ) -> bool:
        """Show these orders; returns whether anything had to be redrawn. ``total``: how
        many there are in all when ``orders`` are only the newest of them (the title says),
        or with ``first``, only the first of them (the start's: the title counts them all,
        as it will once the rest are shown).

        With ``timed`` false (a change, a filter: not the clock), only cards of changed orders
        are worked out again (unchanged orders are the same objects), and a column showing
        the very same orders is left as it is: the clock's tick redraws countdowns and ages.
        """
        if settings is not self._settings:
            timed = True  # the first show, or new window lengths: every countdown anew
        drawn = {} if timed else self._drawn
        same = not timed and len(orders) == len(drawn)
        cards: list[tuple[str, ...]] = []
        for order in orders:
            got = drawn.get(order.number)
            if got is not None and got[0] is order:
                cards.append(got[1])
            else:
                same = False
                cards.append(card_lines(order, now, settings))
        total = len(orders) if total is None else total
        if same and total == self._total:
            return False  # the very same orders, drawn as they are
        self._settings = settings
        self._drawn = {
            order.number: (order, lines) for order, lines in zip(orders, cards, strict=True)
        }
        signature = tuple(cards)
        count = total if first else len(orders)
        if signature == self._signature:
            self._set_title(count, total)
            return False
        keep, position = self.current_number, self.position
        last = len(cards) - 1
        old = self.cards._id_to_option
        options: list[Option] = []
        for index, (order, lines) in enumerate(zip(orders, cards, strict=True)):
            option = old.get(order.number)
            # A card drawn with (or without) the divider under it is drawn anew the other way.
            if (
                option is None
                or not isinstance(option.prompt, CardText)
                or option.prompt.lines != lines
                or option._divider != (index < last)
            ):
                option = Option(CardText(lines), id=order.number)
            options.append(option)
        self._signature = signature
        self.numbers = [order.number for order in orders]
        if keep in self.numbers:
            highlighted: int | None = self.numbers.index(keep)
        else:
            # The cursor's card left: the cursor stays where it was, on the next card.
            highlighted = min(position, last) if options else None
        self.cards.replace_cards(options, highlighted)
        self._set_title(count, total)
        return True

    @property
    def current_number(self) -> str | None:
        """The highlighted card's order number."""
        option = self.cards.highlighted_option
        return option.id if option is not None else None

    def select_number(self, number: str) -> bool:
        """Highlight an order's card; whether it is in this column."""
        if number not in self.numbers:
            return False
        self.cards.highlighted = self.cards.get_option_index(number)
        return True

    def select_position(self, position: int) -> None:
        """Highlight the card at ``position`` (clamped), for moves between columns."""
        if self.numbers:
            number = self.numbers[max(0, min(position, len(self.numbers) - 1))]
            self.select_number(number)

    @property
    def position(self) -> int:
        """The highlighted card's position among the cards."""
        number = self.current_number
        return self.numbers.index(number) if number in self.numbers else 0
