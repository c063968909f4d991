"""The board: one column per stage, cards moved with the keyboard."""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from contextlib import suppress

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.events import Key, Resize
from textual.reactive import Reactive, reactive
from textual.widget import Widget
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets._header import HeaderTitle

from tui.board import UndoStep
from tui.domain import OPEN_STAGES, STAGE_ORDER, Move, Order, Stage
from tui.frames import BandCompositor
from tui.screens.actions import OrderActions, read_closed_orders
from tui.screens.boxes import typed_into_box
from tui.screens.modal import HeldKeys
from tui.store import ArchiveError, Fingerprint, StoreError
from tui.text import searchable
from tui.widgets.column import CardList, StageColumn
from tui.widgets.keybar import KeyBar
from tui.widgets.line_input import LineInput
from tui.widgets.safe import safe_line

ARCHIVE_BACKUP = (sys.executable, "-P", "-m", "tui.archive_backup")
"""The command making today's archive backup (``-P``: this installation's ``tui``, never
one in the folder the board was started from)."""

DETAILS_SLICE = 50
"""Orders whose entries and history are read per step after the first paint (~4 ms)."""
FREEZE_ORDERS = 500
"""Orders whose entries and history a load must have converted to freeze what it made."""
EMPTY_BOARD = "No orders yet. Press n to add the first one (? shows every key)."
NO_OPEN_MATCH = "No open order matches the filter: a shows the closed ones, and searches them too."

CLOSED_SHOWN = 200
"""The Closed column's cards, at most: the most recently closed."""
MIN_COLUMN_WIDTH = 15
"""Cells a column needs: an order number (12) on one line, its borders and scrollbar.
Narrower, the columns that fit are shown and the row scrolls sideways to the focused one."""


class BoardScreen(HeldKeys, OrderActions):
    """Five stage columns (and the archive, on demand) of cards."""

    BINDINGS = [
        Binding("left,h", "focus_column(-1)", "Left", show=False, id="board.left"),
        Binding("right,l", "focus_column(1)", "Right", show=False, id="board.right"),
        Binding("n", "new", "New", id="board.new", priority=True),
        Binding("enter", "open", "Open", show=False, id="board.open"),
        Binding(
            "greater_than_sign",
            "advance",
            "Advance",
            key_display=">",
            id="board.advance",
            priority=True,
        ),
        Binding("less_than_sign", "back", "Back", key_display="<", id="board.back", priority=True),
        Binding("x", "close", "Close", id="board.close", priority=True),
        Binding("e", "edit", "Edit", show=False, id="board.edit", priority=True),
        Binding("N", "note", "Note", show=False, id="board.note", priority=True),
        Binding("M", "message", "Message", show=False, id="board.message", priority=True),
        Binding("L", "lesson", "Lesson", show=False, id="board.lesson", priority=True),
        # Answered as read, before the keys typed after it (see tui.screens.boxes).
        Binding("slash", "filter", "Filter", key_display="/", id="board.filter", priority=True),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="board.clear_filter"),
        Binding("u", "undo", "Undo", show=False, id="board.undo"),
        Binding("a", "archive", "Archive", show=False, id="board.archive"),
        Binding("D", "delete", "Delete", show=False, id="board.delete", priority=True),
        Binding("o", "resolve", "Record outcome", show=False, id="board.resolve", priority=True),
        Binding(
            "T", "templates", "Message templates", show=False, id="board.templates", priority=True
        ),
        Binding("H", "history", "History", show=False, id="board.history", priority=True),
        Binding("y", "copy", "Copy order", show=False, id="board.copy"),
    ]

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """Textual's, without its repaint: a focus change repainted the whole screen (~20 kB
    over SSH at 120x40); the columns repaint what focus changes (a title, a card)."""
    show_archive: reactive[bool] = reactive(False, init=False)
    """Whether the archive column is shown."""
    filter_text: reactive[str] = reactive("", init=False)
    """Cards shown contain this text (lower-case), if set."""

    def __init__(self) -> None:
        super().__init__(id="board")
        # Made as its mode starts: Textual then parses all of the app's CSS afresh (~6 ms
        # of a start) when this screen's count of CSS updates is not the app's, which for
        # a new screen it never is. It is styled from the app's stylesheet as it is now,
        # as every widget mounted is; a theme set meanwhile still restyles everything.
        self._css_update_count = self.app._css_update_count
        # Keys repaint a few rows of one list: drawn from the widgets they touch only.
        self._compositor = BandCompositor()
        self.orders: dict[str, Order] = {}
        self._column: StageColumn | None = None
        self._fitted: int | None = None
        """Each column's width while the row scrolls sideways (None: they share it)."""
        self._row = 0
        """The cursor's position in the last column with cards the keys moved from."""
        self._fitted_row: int | None = None
        """The row's width while it scrolls: the whole columns that fit."""
        self._before_archive: StageColumn | None = None
        """The column the keys were in when the archive was shown in a column out of sight
        (they went there), to go back to when it is hidden."""
        self._has_archive = False
        self._loaded: Fingerprint | None = None
        """The board file's fingerprint when orders were last read."""
        self._stage_columns = [StageColumn(stage) for stage in STAGE_ORDER]
        """Every stage's column, left to right (a query walked the whole screen: 0.13 ms
        a call, twice for each key that moves between columns)."""
        self._unchanged: tuple[list[Order], str | None] | None = None
        """The orders and the focused card before a :meth:`preview`."""
        self._partial = False
        """Whether the cards shown are only the start's first ones (the rest to come).
        Not ``not app.orders_read.is_set()``: a damaged order sets that (to release the
        changes waiting on it) while this stays, so a second read in flight that meets
        the same order ends the session quietly too, not with a traceback."""
        self._filter_box: Input | None = None
        """The filter's input, made the first time ``/`` is pressed: it was a tenth of the
        board screen's set-up at start (~3 ms), and many sessions never filter."""
        self._unfiltered_at: Order | None = None
        """The card under the cursor when ``/`` was pressed."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Horizontal(id="columns"):
            yield from self._stage_columns
        yield Static(id="empty")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#col-closed").display = False
        self.query_one("#empty").display = False
        self.focus_column(self.query_one(f"#col-{Stage.TALK.value}", StageColumn))
        # Countdowns count minutes: ticked on the clock's minute (a window closing at
        # 18:03:56 said "0m left" until 18:05 when ticked a minute from the start).
        self.set_timer(60 - time.time() % 60, self._start_ticking)

    async def on_screen_resume(self) -> None:
        # Shown first (Textual resumes a screen when it becomes current, twice at start),
        # or back from another screen or mode: what it changed shows here too. Unchanged
        # since the last reload, there is nothing to read (a reload reads every order).
        # Nor while a change made here is written (a dialog closed meanwhile): the file
        # may be in place before it is safe, and the watch shows it once written.
        if self.cb_app.writing or (
            self._loaded is not None and self._loaded == self._fingerprint()
        ):
            return
        try:
            await self.reload()
        except StoreError as error:
            # The board file changed into one that cannot be read (another program): said,
            # as the watch says it; the board shows what it last read.
            self.cb_app.say(str(error), "error")

    def _fingerprint(self) -> Fingerprint | None:
        try:
            return self.board.store.fingerprint()
        except StoreError:
            return None  # reload reports it

    # ---------------------------------------------------------------- showing

    def _compositor_refresh(self) -> None:
        # A repaint of the whole screen draws every card list as it is when drawn, yet
        # Textual keeps what each list asked to repaint before, and while its lines were
        # laid out for this very draw, and repaints it all again at the next update: at
        # start, right after the first frame, all five lists once more (~45 kB at
        # 120x40). Once the whole screen is on the terminal, those requests are answered.
        written = self.cb_app.whole_frames
        super()._compositor_refresh()
        if self.cb_app.whole_frames != written:
            for cards in self.query(CardList):
                cards._repaint_regions.clear()
                if cards.show_vertical_scrollbar:
                    # Its scrollbar may be drawn before the list learns its height, or
                    # the height of its window, in this draw: the thumb is drawn again
                    # (a column of the list, ~0.5 kB, not all of it).
                    cards.vertical_scrollbar.refresh()

    def columns(self) -> list[StageColumn]:
        """The stage columns shown now, left to right."""
        return [c for c in self._stage_columns if c.display]

    def focused_column(self) -> StageColumn | None:
        """The column the keys act on.

        Tracked here rather than read from ``self.focused``: Textual moves focus after the
        key handler returns, so keys that arrive together (``l l l`` over SSH) would all
        start from the same column and the next key would act on the wrong card.
        """
        if self._column is not None and self._column.display:
            return self._column
        focused = self.focused
        if isinstance(focused, CardList) and isinstance(focused.parent, StageColumn):
            return focused.parent
        return None

    def focus_column(self, column: StageColumn) -> None:
        """Move the keys (and focus) to a column."""
        if self._column is not None and self._column is not column:
            self._column.mark_focused(False)
        self._column = column
        column.mark_focused(True)
        # Not Textual's scroll to the focused widget: it centres the column in a row that
        # scrolls, cutting the columns beside it.
        column.focus(scroll_visible=False)
        self._show_column(column)

    def on_resize(self, event: Resize) -> None:
        self._fit_columns(event.size.width)

    def _fit_columns(self, width: int | None = None) -> None:
        """Share the width among the columns shown; when each would be narrower than
        :data:`MIN_COLUMN_WIDTH` (an order number broke over two lines), as many as fit
        share it, and the row scrolls sideways."""
        width = self.size.width if width is None else width
        shown = [column for column in self._stage_columns if column.display]
        fits = max(1, width // MIN_COLUMN_WIDTH)
        fitted = width // fits if len(shown) > fits else None
        if fitted is not None:
            # Scrolled by whole columns (a new size too): no sliver of one at an edge.
            self.call_after_refresh(self._show_focused_column)
        if fitted == self._fitted and (fitted is None or self._fitted_row == fits * fitted):
            return  # as the stylesheet has them (the start), or as they are
        self._fitted = fitted
        for column in self._stage_columns:
            column.styles.width = "1fr" if fitted is None else fitted
        row = self.query_one("#columns")
        row.styles.overflow_x = "hidden" if fitted is None else "auto"
        # As wide as the whole columns that fit (62 cells: four of 15 and 2 blank, not a
        # sliver of the fifth).
        self._fitted_row = None if fitted is None else fits * fitted
        row.styles.width = "1fr" if fitted is None else fits * fitted

    def _show_focused_column(self) -> None:
        if self._column is not None:
            self._show_column(self._column)

    def _show_column(self, column: StageColumn) -> None:
        """Scroll the row of columns (when it scrolls) the fewest whole columns that show
        ``column``."""
        row = self.query_one("#columns")
        shown = [each for each in self._stage_columns if each.display]
        width = column.styles.width
        if row.styles.overflow_x != "auto" or column not in shown or width is None:
            return
        step = int(width.value)
        fits = max(1, row.size.width // step) if row.size.width else 1
        index = shown.index(column)
        first = min(max(round(row.scroll_x / step), index - fits + 1), index)
        row.scroll_to(x=first * step, animate=False, immediate=True)

    def on_descendant_focus(self, event: object) -> None:
        # A click, tab, or a modal closing moved focus: follow it.
        focused = self.focused
        if isinstance(focused, CardList) and isinstance(focused.parent, StageColumn):
            self._column = focused.parent

    def current_order(self) -> Order | None:
        column = self.focused_column()
        if column is None or column.current_number is None:
            return None
        return self.orders.get(column.current_number)

    async def reload(self, focus: str | None = None) -> None:
        self._unchanged = None
        self._loaded = self._fingerprint()
        first, self.board.first_cards = self.board.first_cards, None
        if first is not None and not self.show_archive and not self.filter_text:
            # The start: the cards a terminal can show; the rest once they are drawn.
            self._partial = True
            self.cb_app.orders_read.clear()
            self.show(first.orders, focus, counts=first.counts)
            self._title_now()
            self.call_after_refresh(self.run_worker, self._show_the_rest(), group="rest")
            return
        try:
            try:
                if self.show_archive and self.board.lazy_details:
                    orders = await self._read_archive()
                elif self._partial:
                    # The rest of a big board's open orders: read as the start read the
                    # first ones, with the collector off (its passes over what the start
                    # made slowed their conversion, which keys typed meanwhile wait for:
                    # 900 orders, 23-45 -> 16-22 ms).
                    orders = await read_closed_orders(self.board.orders)
                else:
                    orders = await self.call(self.board.orders, archived=self.show_archive)
            except ArchiveError as error:
                # The open orders do not need the archive: they stay; it is refused.
                self.cb_app.say(str(error), "error")
                self._hide_archive()
                orders = await self.call(self.board.orders)
        except StoreError as error:
            if not self._partial:
                # Another program damaged an order meanwhile (the reload after a change
                # made here ended the app with a traceback): said, as the watch says it;
                # the board shows what it last read.
                self.cb_app.say(str(error), "error")
                return
            # An open order the start left for after its first paint is damaged: the
            # session ends as it would have before the board opened (whichever reload
            # read it first: the rest's, a key's, the watch's).
            self._end_with(error)
            return
        if self.show_archive:
            self._has_archive = False
        elif not orders or self.filter_text:
            # "No orders yet" would be wrong when everything is in the archive, and a
            # filter finding no open order says the archive was not searched.
            await self._know_archive()
        if self._partial:
            self._partial = False
            self.cb_app.orders_read.set()
        self.show(orders, focus)
        if self.board.lazy_details:
            # After the paint: a thread converting meanwhile would slow the paint down.
            self.board.lazy_details = False
            self.call_after_refresh(self.run_worker, self._load_details(orders), group="details")

    def _title_now(self) -> None:
        """The header's title with the sub-title just set (the open count), in this frame.

        Textual's Header takes a new sub-title in a callback run after the next frame:
        the first frame, now that the start no longer waits for a thread before it."""
        with suppress(NoMatches):
            header = self.query_one(Header)
            header.query_one(HeaderTitle).update(header.format_title())

    async def _show_the_rest(self) -> None:
        """Every open order, once the start's first cards are drawn (see
        ``Board.first_orders``), unless a reload read them meanwhile. No change is written
        before (``CancelboardApp.orders_read``)."""
        if self._partial:
            await self.reload()

    def _end_with(self, error: StoreError) -> None:
        """End the session on a damaged order: exit status 2, and one line naming the
        file and the order (``cli`` prints it once the terminal is back)."""
        self.cb_app.fatal_error_message = str(error)
        self.cb_app.orders_read.set()  # a change waiting for it is refused, not left waiting
        self.app.exit(return_code=2)

    async def _read_archive(self) -> list[Order]:
        """Every order, the archive's too, read with the collector off (as at the start)."""
        return await read_closed_orders(self.board.orders, archived=True)

    async def _load_details(self, orders: list[Order]) -> None:
        """Once the board is drawn, read the entries and history its start left for later
        (see ``Board.lazy_details``): a damaged order still ends the session as it would
        have before the first paint, with one line naming the file and the order."""
        try:
            # On the event loop, a slice at a time: a thread would contend for the GIL
            # with the first paints, and keys stay answered between slices.
            converted = 0
            for start in range(0, len(orders), DETAILS_SLICE):
                converted += self.board.load_details(orders[start : start + DETAILS_SLICE])
                await asyncio.sleep(0)
            if converted >= FREEZE_ORDERS:
                # They live as long as their orders: out of the collector's full passes,
                # which walked them all (~16 ms at 1,000 open orders) in the middle of a
                # key press. Only when that many were made: a freeze keeps the garbage
                # waiting for the collector too (showing the archive again, whose orders
                # were read already, froze ~15,000 objects more each time).
                gc.freeze()
            # And this session's first change serialises only what it changes.
            await self.call(self.board.store.warm)
            if self.board.store.archive_backup_pending:
                # What the start left for after the paint (see ``cli._open_board``).
                self.board.store.archive_backup_pending = False
                await self._daily_archive_backup()
        except ArchiveError as error:
            # A closed order's entries (the archive view loads them the same way): the
            # open orders do not need them, so the session goes on without the archive.
            self.cb_app.say(str(error), "error")
            self._hide_archive()
            await self.reload()
        except StoreError as error:
            self._end_with(error)

    async def _daily_archive_backup(self) -> None:
        """Today's archive backup, if the archive changed since its newest one, made by a
        process of its own (see ``tui.archive_backup``) once the board is drawn. One that
        cannot be made is said, not fatal: the board goes on."""
        store = self.board.store
        try:
            if not await self.call(store.archive_backup_due):
                return
        except StoreError as error:
            self.cb_app.say(f"No archive backup today: {error}", "warning")
            return
        try:
            process = await asyncio.create_subprocess_exec(
                *ARCHIVE_BACKUP,
                str(store.path),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            _, errors = await process.communicate()
        except OSError as error:  # no process to be had (e.g. out of memory)
            self.cb_app.say(f"No archive backup today: {error}", "warning")
            return
        if process.returncode:
            lines = errors.decode("utf-8", "replace").strip().splitlines()
            why = lines[-1] if lines else f"exit status {process.returncode}"
            self.cb_app.say(f"No archive backup today: {why}", "warning")

    def show(
        self,
        orders: list[Order],
        focus: str | None = None,
        *,
        timed: bool = False,
        counts: dict[Stage, int] | None = None,
    ) -> None:
        """Lay the orders out in their columns; keep (or move) focus on a card.

        Only columns whose orders changed are redrawn, unless ``timed`` (the clock moved:
        countdowns and ages are worked out again for every card). ``counts``: how many
        orders each stage holds when ``orders`` are only the first of each (the start's).
        """
        column = self.focused_column()
        focus = focus or (column.current_number if column else None)
        self.orders = {o.number: o for o in orders}
        needle = self.filter_text
        by_stage: dict[Stage, list[Order]] = {stage: [] for stage in STAGE_ORDER}
        for order in orders:
            if needle and needle not in order.search_text():
                continue
            by_stage[order.stage].append(order)
        now = self.board.clock()
        for col in self._stage_columns:
            cards = sorted(by_stage[col.stage], key=lambda o: o.entered_stage_at)
            if counts is not None:
                total = counts.get(col.stage, 0)
                col.show_orders(
                    cards, now, self.board.settings, timed=timed, total=total, first=True
                )
                continue
            total = len(cards)
            if col.stage is Stage.CLOSED:
                # Years of closed orders: the newest are the ones worth scrolling through
                # (a filter finds any other); laying out 9,000 cards took most of a second.
                # The one asked for is shown too (an old order the palette jumped to: the
                # cursor stayed on another, which '<' then reopened).
                newest = cards[-CLOSED_SHOWN:]
                if focus and len(cards) > CLOSED_SHOWN and focus not in {o.number for o in newest}:
                    older = [o for o in cards[:-CLOSED_SHOWN] if o.number == focus]
                    newest = older + newest
                cards = newest
            col.show_orders(cards, now, self.board.settings, timed=timed, total=total)
        if needle and not self.show_archive and self._has_archive:
            # The filter searches what the board shows: a match among closed orders only
            # showed every column at (0), with no sign of where it was.
            self._say_empty(NO_OPEN_MATCH, not any(by_stage.values()))
        else:
            self._say_empty(EMPTY_BOARD, not orders and not needle and not self._has_archive)
        self.sub_title = self._summary(
            sum(counts.values()) if counts is not None else sum(1 for o in orders if o.is_open)
        )
        if focus:
            self.select_order(focus)
        column = self.focused_column()
        if needle and column is not None and not column.numbers:
            # A filter (or the archive shown under it) left the cursor in an empty column:
            # to the first match, wherever it is.
            found = next((col for col in self.columns() if col.numbers), None)
            if found is not None and not isinstance(self.focused, Input):
                self.focus_column(found)

    def no_order_here(self) -> str:
        columns = self.columns()
        here = self.focused_column()
        with_cards = [i for i, column in enumerate(columns) if column.numbers]
        if with_cards:
            # The nearest column with cards, and the keys that reach it: "h and l move to
            # one with cards" sent the seller on to the next column, as empty, and again.
            at = columns.index(here) if here in columns else 0
            nearest = min(with_cards, key=lambda i: (abs(i - at), i))
            keys = " ".join(["h" if nearest < at else "l"] * abs(nearest - at))
            return (
                f"No card in this column: the nearest are in {columns[nearest].stage.label}"
                f" ({keys})"
            )
        if self.filter_text:
            return "No card matches the filter (escape clears it)"
        if self._has_archive and not self.show_archive:
            return "Every order is closed: a shows the archive"
        return "No orders yet: press n to add one"

    def select_order(self, number: str) -> bool:
        """Put the cursor on an order's card; whether it is on the board (not filtered out,
        nor in the hidden archive)."""
        for col in self.columns():
            if col.select_number(number):
                if col is not self._column and not isinstance(self.focused, Input):
                    self.focus_column(col)
                return True
        return False

    def _say_empty(self, text: str, shown: bool) -> None:
        """Show (or hide) the line under the columns, saying ``text``."""
        empty = self.query_one("#empty", Static)
        if shown and self._empty_says != text:
            self._empty_says = text
            empty.update(text)
        empty.display = shown

    _empty_says = ""

    def shows_early(self) -> bool:
        return True

    def preview(self, order: Order) -> None:
        # The order as the service worked it out, among the others as last read (the
        # reload once it is written brings any other session's changes).
        column = self.focused_column()
        self._unchanged = (list(self.orders.values()), column.current_number if column else None)
        shown = self.show_archive or order.is_open
        orders = [
            order if number == order.number else other for number, other in self.orders.items()
        ]
        if not shown:
            orders = [o for o in orders if o.number != order.number]
        self.show(orders, focus=self.focus_after_change(order))

    def unpreview(self) -> None:
        if self._unchanged is not None:
            orders, focus = self._unchanged
            self._unchanged = None
            self.show(orders, focus=focus)

    def _summary(self, open_count: int) -> str:
        text = f"{open_count} open"
        if self.filter_text:
            text += f" · filter: {self.filter_text}"
        return text

    def _start_ticking(self) -> None:
        self._tick()
        self.set_interval(60, self._tick)

    def _tick(self) -> None:
        # Countdowns and ages move with the clock; columns redraw only if a card's text changed.
        self.show(list(self.orders.values()), timed=True)

    def focus_after_change(self, order: Order) -> str | None:
        # A closed card leaves its column for the archive's: the cursor stays in the
        # column, on the next card (closing one after the other; with the archive shown,
        # it followed the card, and the next x said "closed already").
        if order.stage is not Stage.CLOSED:
            return order.number
        column = self.focused_column()
        if column is None:
            return None
        numbers = column.numbers
        if order.number not in numbers:
            return column.current_number  # left already (shown as it was written)
        at = numbers.index(order.number)
        rest = numbers[at + 1 :] or numbers[:at][-1:]
        return rest[0] if rest else None

    def focus_after_undo(self, step: UndoStep | None) -> str | None:
        # The order the undo brought back (a delete, a close), moved or renamed back: the
        # cursor on it, not on the card that took its place (a note written next went to
        # that one).
        return (step.number_after or None) if step else None

    def announces(self, move: Move) -> bool:
        # A notice over the board would cover the moved card (it lands at the bottom of its
        # column, where notices show) and costs two more redraws of the screen.
        return move.to is Stage.CLOSED and not self.show_archive

    def watch_show_archive(self, show: bool) -> None:
        self._show_closed_column(show)
        if show:
            # Years of closed orders: their entries and history are read after the paint,
            # as at the start (10,000 orders: 2.8 s until the archive was up, now ~0.6 s).
            self.board.lazy_details = True
        focus, self._archive_focus = self._archive_focus, None
        self.run_worker(self.reload(focus), exclusive=True, group="reload")

    _archive_focus: str | None = None

    def show_in_archive(self, number: str) -> None:
        """Show the archive with the cursor on ``number`` (a closed order the palette
        jumped to: escape comes back to its card, not to another that a '>' would move)."""
        self._archive_focus = number
        self.show_archive = True
        self.cb_app.say("Archive shown")

    def _show_closed_column(self, show: bool) -> None:
        closed = self.query_one("#col-closed", StageColumn)
        closed.display = show
        self._fit_columns()
        if show and self._fitted is not None:
            # It would be out of sight (the row scrolls): shown is where the keys go, and
            # the row scrolls to it once it is laid out (now it would stop a column short).
            self._before_archive = self._column
            self.focus_column(closed)
            self.call_after_refresh(self._show_focused_column)
        elif not show and (self._column is None or not self._column.display):
            back = self._before_archive
            if back is None or not back.display:
                back = self.query_one(f"#col-{Stage.LESSONS.value}", StageColumn)
            self.focus_column(back)
        if not show:
            self._before_archive = None

    def _hide_archive(self) -> None:
        """Back to the open orders (the archive could not be read), without a new reload."""
        self.set_reactive(BoardScreen.show_archive, False)
        self._show_closed_column(False)

    # ---------------------------------------------------------------- keys

    def action_focus_column(self, step: int) -> None:
        columns = self.columns()
        current = self.focused_column()
        if current is None or current not in columns:
            self.focus_column(columns[0])
            return
        index = columns.index(current) + step
        if 0 <= index < len(columns):
            target = columns[index]
            if current.numbers:
                self._row = current.position
            # Through an empty column the row is kept ('l' onto one, 'h' back, landed on
            # the first card).
            target.select_position(self._row)
            self.focus_column(target)

    @on(OptionList.OptionSelected, ".cards")
    def _open_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        from tui.screens.order import OrderScreen

        self.app.push_screen(OrderScreen(order.number))

    def action_archive(self) -> None:
        self.show_archive = not self.show_archive
        self.cb_app.say("Archive shown" if self.show_archive else "Archive hidden")

    TYPED_KEYS = {
        "filter": "/",
        "new": "n",
        "edit": "e",
        "note": "N",
        "message": "M",
        "lesson": "L",
        "advance": ">",
        "back": "<",
        "close": "x",
        "delete": "D",
        "resolve": "o",
        "templates": "T",
        "history": "H",
    }
    """The priority bindings' actions and their keys, which a focused box takes instead."""

    DIALOG_ACTIONS = frozenset(
        {"advance", "back", "close", "delete", "resolve", "templates", "history"}
    )
    """Keys that may open a dialog: priority bindings whose actions return once it is up
    (see ``CancelboardApp._dispatch_action``), so the keys typed right after them in one
    burst reach it: 'x s' typed fast lost its 's', and '> e' opened the order's edit form
    instead of answering 'e' (escalate) in the dialog '>' was opening."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Answered as read (priority bindings), unless typed into the filter box.
        key = self.TYPED_KEYS.get(action)
        return key is None or not typed_into_box(self, key)

    async def action_filter(self) -> None:
        if not self.filter_text:
            # The card under the cursor before filtering: escape comes back to it, though
            # the filter hid it (not to the first card of its column).
            self._unfiltered_at = self.current_order()
        box = self._filter_box
        if box is None:
            box = LineInput(
                placeholder="filter: order, buyer, gig, #tag, notes, messages", id="filter"
            )
            self._filter_box = box
            await self.mount(box, before=self.query_one("#columns"))
        box.display = True
        # At once, not after the keys already read (``focus`` waits for them): keys
        # typed right after "/" in one burst (pasted, a slow link) acted on the board,
        # "n" opening the new-order form, "3" switching to the stats. Read before the box
        # had focus, they still do not reach it; they no longer act on the board.
        self.set_focus(box)
        if not self.show_archive:
            # For the line a filter finding no open order shows (the board file's index).
            had = self._has_archive
            await self._know_archive()
            if self.filter_text and self._has_archive != had:
                self.show(list(self.orders.values()))  # typed meanwhile (a burst)

    _archive_known_for: Fingerprint | None = None

    async def _know_archive(self) -> None:
        """Whether the archive holds any order, asked once per state of the board file
        (its index says; a reload per key while filtering need not ask again)."""
        if self._archive_known_for is not None and self._archive_known_for == self._loaded:
            return
        try:
            self._has_archive = await self.call(self.board.has_archived)
        except StoreError:  # said by the reload that reads it; nothing to add here
            self._has_archive = False
            return
        self._archive_known_for = self._loaded

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = searchable(event.value.strip())
        was = {column: column.current_number for column in self.columns()}
        self.show(list(self.orders.values()))
        for column, number in was.items():
            if column.numbers and number not in column.numbers:
                # Its card filtered out: the first match, not the one at its place (the
                # last match, after a scroll down the column).
                column.select_position(0)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        # Keep the filter; go back to the cards, and the keys typed after enter with them
        # ('/ anna enter j' filtered for 'annaj').
        self._focus_cards()
        self.call_after_refresh(self.release_held)

    def holds_after(self, key: str) -> bool:
        return key == "enter" and self._filter_box is not None and self.focused is self._filter_box

    def on_key(self, event: Key) -> None:
        if event.key == "escape" and isinstance(self.focused, Input):
            event.stop()
            self.action_clear_filter()

    def action_clear_filter(self) -> None:
        box = self._filter_box
        if box is None or (not box.display and not self.filter_text):
            return
        box.value = ""
        box.display = False
        self.filter_text = ""
        column = self.focused_column()
        shown = self.current_order() if column is not None and column.numbers else None
        if shown is None:
            shown, self._unfiltered_at = self._unfiltered_at, None
        self.show(list(self.orders.values()), focus=shown.number if shown else None)
        self._focus_cards()

    def _focus_cards(self) -> None:
        if self._column is not None and self._column.display and self._column.numbers:
            self.focus_column(self._column)
            return
        for col in self.columns():
            if col.numbers:
                self.focus_column(col)
                return
        self.focus_column(self.columns()[0])

    def open_stages(self) -> tuple[Stage, ...]:
        """The stages shown as columns."""
        return OPEN_STAGES + ((Stage.CLOSED,) if self.show_archive else ())

    def title_for(self, order: Order) -> str:
        """A one-line description of an order (for notices)."""
        return safe_line(f"{order.number} · {order.buyer}").plain
