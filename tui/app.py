"""The Textual application: screens, app-wide keys, and watching the board file."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from rich.console import RenderableType
from textual import events
from textual._compositor import CompositorUpdate, LayoutUpdate
from textual.app import App, ScreenStackError, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingsMap
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.notifications import Notify, SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widget import AwaitMount, Widget
from textual.widgets._toast import ToastRack

from tui.board import Board
from tui.commands import OrderCommands
from tui.config import DEFAULT_THEME, Config, save_config
from tui.frames import ShownRows
from tui.screens.board import BoardScreen
from tui.screens.help import HelpScreen, KeyRow
from tui.screens.modal import HeldKeys
from tui.store import Fingerprint, StoreError
from tui.text import clean_line

T = TypeVar("T")


def styles_dir() -> Path:
    """The ``.tcss`` files: inside the wheel, or the repository's ``styles/`` when editable."""
    packaged = Path(__file__).parent / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "styles"


STYLE_FILES = ("app.tcss", "board.tcss", "order.tcss", "modals.tcss")

REFRESH_ANSWERS = (sys.executable, "-P", "-m", "tui.refresh_answers")
"""The command working out again the ``list --json`` answers scripts keep asking for
(``-P``: this installation's ``tui``, as the archive's backup)."""

NO_COLOR_THEME = "The {} theme cannot be read without colour (NO_COLOR): not used"

STARTUP_ROWS_SECONDS = 3.0
"""How long after the first frame rows already on the terminal are not sent again."""

GROUPS = {
    "CancelboardApp": "Everywhere",
    "BoardScreen": "Board",
    "CardList": "Cards in a column",
    "StageColumn": "Cards in a column",
    "OrderScreen": "Order",
    "EntryPanel": "Entries in a panel",
    "LessonsScreen": "Lessons library",
    "StatsScreen": "Stats",
}


def _lessons_screen() -> Screen[None]:
    # Imported when first shown: start-up only pays for the board.
    from tui.screens.lessons import LessonsScreen

    return LessonsScreen()


def _stats_screen() -> Screen[None]:
    from tui.screens.stats import StatsScreen

    return StatsScreen()


class CancelboardApp(App[None]):
    """Cancelboard: orders heading for cancellation, as cards through the stages."""

    TITLE = "Cancelboard"
    CSS_PATH = [styles_dir() / name for name in STYLE_FILES]
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {OrderCommands}
    MODES = {"board": BoardScreen, "lessons": _lessons_screen, "stats": _stats_screen}
    DEFAULT_MODE = "board"
    """Start on the board itself: switching to it from Textual's default screen styled the
    whole app twice over (two full CSS passes, a sixth of a small board's start)."""
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("1", "switch_mode('board')", "Board", show=False, id="app.board"),
        Binding("2", "switch_mode('lessons')", "Lessons library", show=False, id="app.lessons"),
        Binding("3", "switch_mode('stats')", "Stats", show=False, id="app.stats"),
    ]

    def __init__(
        self,
        board: Board,
        *,
        watch_interval: float = 0.5,
        config: Config | None = None,
        save_settings: bool = True,
    ) -> None:
        super().__init__()
        self.board = board
        self.watch_interval = watch_interval
        self.config = config or Config()
        self.save_settings = save_settings
        """Whether a theme chosen here is written to the config file."""
        self.fatal_error_message = ""
        """Set when the app had to stop because the board file could not be used."""
        self.startup_notices: list[str] = []
        """Problems to show once the board is up (e.g. a broken config file)."""
        self._seen: Fingerprint | None = None
        self._seen_at = 0.0
        """When the board file was last seen to change (``time.monotonic``)."""
        self.board_names: list[str] = []
        """Other names of the board file (as given on the command line): a script may ask
        about it by any of them (see :meth:`_refresh_answers`)."""
        self.answers_quiet = 1.0
        """Seconds the board file stays unchanged before the answers are refreshed."""
        self._answered: Fingerprint | None = None
        self._refreshing: subprocess.Popen[bytes] | None = None
        self.collector_paused = False
        """Set when the start turned Python's cyclic collector off (``cli._open_board``):
        it is frozen and back on once the first frame is written."""
        self._first_frame_shown = False
        self._shown_rows: ShownRows | None = None
        """While the app starts: the rows on the terminal (see :mod:`tui.frames`)."""
        self._shown_until = 0.0
        self.whole_frames = 0
        """How many repaints of the whole screen were drawn for the terminal (a held one
        is written later, or dropped and the whole screen drawn again)."""
        self._writes = 0
        """Changes made here whose write has not returned yet."""
        self.orders_read = asyncio.Event()
        """Set once every open order has been read (the start draws its first cards
        before: see ``BoardScreen.reload``). A change waits for it: a damaged order among
        the rest ends the session before anything is written, as at the start."""
        self.orders_read.set()
        self._held_frames: list[tuple[Screen[object], RenderableType]] | None = None
        """Frames drawn while output is held (see :meth:`hold_output`), oldest first."""
        if self.config.theme not in self.available_themes:
            if self.config.theme != DEFAULT_THEME:
                self.startup_notices.append(
                    f"Unknown theme {self.config.theme!r}; using the default"
                )
        elif self._unreadable(self.config.theme):
            self.startup_notices.append(NO_COLOR_THEME.format(self.config.theme))
        else:
            self.theme = self.config.theme

    def _unreadable(self, theme: str) -> bool:
        """Whether ``theme`` cannot be read here: its colours are the terminal's own (the
        ANSI themes), which ``NO_COLOR``'s grey scale draws black on black."""
        return self.no_color and theme.startswith("ansi-")

    _theme_refused = False
    """Set while a theme that cannot be read here is put back (nothing is saved)."""

    def watch_theme(self, old: str, theme: str) -> None:
        if self._unreadable(theme):
            self.say(NO_COLOR_THEME.format(theme), "warning")
            self._theme_refused = True
            try:
                self.theme = old if not self._unreadable(old) else DEFAULT_THEME
            finally:
                self._theme_refused = False
            return
        # Remember the theme picked in the palette for the next start.
        if self._theme_refused or not self.save_settings:
            return
        if theme == self.config.theme or not self.is_running:
            return
        self.config = replace(self.config, theme=theme)
        try:
            save_config(self.config)
        except OSError as error:
            self.say(f"Could not save the theme: {error}", "warning")

    # ---------------------------------------------------------------- the first frame

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        # Textual (8.2.8) holds repaints while the app starts (a batch update), yet the
        # first screen may lay out and render meanwhile: that frame was thrown away, and
        # what followed only repainted what changed since. On most starts the terminal
        # showed the cards without their columns' borders and titles until a later full
        # repaint 35-80 ms on (1,000 orders, 120x40). A frame rendered is the one Textual now
        # believes is on screen: the first one is written, batch or not.
        held = self._batch_count
        if renderable is not None and not self._first_frame_shown:
            self._first_frame_shown = True
            self._batch_count = 0
            if not self.is_inline and not self.is_headless:
                self._shown_rows = ShownRows(self.size)
                self._shown_until = time.monotonic() + STARTUP_ROWS_SECONDS
        elif (
            isinstance(renderable, CompositorUpdate)
            and self._shown_rows is not None
            and time.monotonic() > self._shown_until
        ):
            # Textual's repaints of a screen already on the terminal (see tui.frames): only
            # what differs is sent, for a while after the first frame (a key, a new size or
            # a suspend ends it sooner: on_event, on_mount).
            self._shown_rows = None
        if isinstance(renderable, LayoutUpdate) and not self._batch_count and not self.is_headless:
            # (Textual drops what comes in a batch update: not written, not shown.)
            self.whole_frames += 1
        if (
            isinstance(renderable, CompositorUpdate)
            and self._shown_rows is not None
            and not self._batch_count
        ):
            renderable = self._shown_rows.unsent(renderable, self.console)
        try:
            if self._held_frames is not None and renderable is not None and not self._batch_count:
                self._held_frames.append((screen, renderable))
            else:
                super()._display(screen, renderable)
        finally:
            self._batch_count = held
        if self.collector_paused and self._first_frame_shown:
            # Everything the start made lives on (widgets, styles, the board's orders):
            # out of the collector's sight, its full passes need not walk it all again.
            self.collector_paused = False
            gc.freeze()
            gc.enable()

    # ---------------------------------------------------------------- closing screens

    def pop_screen(self) -> AwaitComplete:
        """Close the screen on top, once it is built.

        A key typed right after the one that opened a screen (enter then escape, in one
        burst over a slow link) could close it while it was still being mounted: its own
        set-up, or Textual's Header, then looked for widgets already taken away, and the
        app ended with a traceback. Such a screen closes as soon as it is built."""
        top = self.screen
        if top.is_mounted or len(self.screen_stack) <= 1:
            return super().pop_screen()
        close = super().pop_screen

        async def once_built() -> None:
            await top._mounted_event.wait()
            if self.screen is top:
                await close()

        return AwaitComplete(once_built())

    # ---------------------------------------------------------------- held output

    def hold_output(self) -> None:
        """Draw frames as usual, but keep them from the terminal until
        :meth:`release_output`: a change is laid out and drawn while it is written, and
        shown only once it is on disk."""
        if self._held_frames is None:
            self._held_frames = []

    @property
    def output_held(self) -> bool:
        """Whether frames are held (see :meth:`hold_output`)."""
        return self._held_frames is not None

    def release_output(self, *, write: bool) -> None:
        """Write the held frames, in order; or, with ``write`` false, drop them: the
        widgets show something the terminal must never show. Once they are put back, the
        whole screen is drawn again (with anything else that changed meanwhile)."""
        held, self._held_frames = self._held_frames, None
        if held is None:
            return
        if write:
            batch, self._batch_count = self._batch_count, 0  # they were drawn outside one
            try:
                for screen, renderable in held:
                    super()._display(screen, renderable)
            finally:
                self._batch_count = batch
        else:
            self._forget_shown_rows()  # it counted the dropped rows as sent
            # All of it: repainting only what the dropped frames drew would mark the
            # screen itself dirty, and Textual then forgets which other widgets were.
            with contextlib.suppress(ScreenStackError):  # the app is ending
                self.screen.refresh()

    @property
    def writing(self) -> bool:
        """Whether a change made here is being written (see :meth:`write`)."""
        return self._writes > 0

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a service call that writes, in a thread. :attr:`writing` holds until the
        thread is done, even when the caller is cancelled (a dialog closed meanwhile):
        the file may be renamed into place before its folder is synced, and nothing
        must show it from there (a watch, a screen coming back) before the write
        returns."""
        await self.orders_read.wait()
        if self.fatal_error_message:
            # The session is ending on a damaged order found meanwhile: nothing is written.
            raise StoreError(self.fatal_error_message)
        self._writes += 1
        context = contextvars.copy_context()
        future = asyncio.get_running_loop().run_in_executor(
            None, partial(context.run, fn, *args, **kwargs)
        )
        future.add_done_callback(self._written)
        return await asyncio.shield(future)

    def _written(self, _: object) -> None:
        self._writes -= 1

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            screen = self.screen
            if isinstance(screen, HeldKeys):
                if screen.held is not None:
                    screen.held.append(event)  # read after a save key: once it is done
                    return
                if screen.holds_after(event.key):
                    # Every key before it has gone to the field already, in order; the
                    # ones after it (a tab too) wait for what it does (see HeldKeys).
                    screen.hold_keys()
        shown = self._shown_rows
        if shown is not None and (
            isinstance(event, events.InputEvent)  # a key may hand the terminal over (an editor)
            or (isinstance(event, events.Resize) and event.size != shown.size)
        ):
            self._forget_shown_rows()
        await super().on_event(event)

    def _forget_shown_rows(self, *_: object) -> None:
        """Send whole repaints again: the terminal may show anything now."""
        self._shown_rows = None

    def on_mount(self) -> None:
        self.app_suspend_signal.subscribe(self, self._forget_shown_rows)
        for notice in self.startup_notices:
            self.say(notice, "warning")
        self.sub_title = clean_line(str(self.board.store.path))
        self._seen = self._answered = self._fingerprint()
        self.set_interval(self.watch_interval, self._watch)
        self._handle_hangups()

    def _handle_hangups(self) -> None:
        # A dropped SSH link sends SIGHUP: leave cleanly (every change is on disk already).
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self.exit)
        except (NotImplementedError, RuntimeError, ValueError):
            pass

    # ---------------------------------------------------------------- notices

    def say(self, message: str, severity: SeverityLevel = "information") -> None:
        """A notice with people's text in it: never read as markup."""
        self.notify(clean_line(message), severity=severity, markup=False)

    MAX_NOTICES = 3
    """Notices shown at once, the newest (see :meth:`_on_notify`)."""

    def _on_notify(self, event: Notify) -> None:
        # A key pressed again (> on an empty column, a save refused) stacked the same
        # notice once per press, and a run of changes one per change: at 80x24 they
        # covered the lower half of the board's last two columns for 5 s. The same words
        # replace the notice saying them; beyond a few, the oldest go.
        # An error stays until it expires. (Textual's own handler then adds the new one
        # and shows the notices.)
        new = event.notification
        notices = list(self._notifications)  # oldest first
        same = [n for n in notices if (n.message, n.severity) == (new.message, new.severity)]
        others = [n for n in notices if n not in same]
        extra = max(len(others) + 1 - self.MAX_NOTICES, 0)
        gone = same + [n for n in others if n.severity != "error"][:extra]
        for old in gone:
            self._unnotify(old, refresh=False)
        # Textual takes a toast off the screen but leaves the holder it sits in (it goes
        # only when a toast expires): one left for every notice replaced, all session.
        for screen in self.screen_stack:
            for rack in screen.query(ToastRack):
                for old in gone:
                    with contextlib.suppress(NoMatches):
                        rack.get_child_by_id(ToastRack._toast_id(old)).remove()

    # ---------------------------------------------------------------- other sessions

    def _fingerprint(self) -> Fingerprint | None:
        try:
            return self.board.store.fingerprint()
        except StoreError:
            return None

    def changed(self) -> None:
        """This session just wrote: remember the file as it is, so it is not reloaded twice."""
        self._see(self._fingerprint())

    def _see(self, fingerprint: Fingerprint | None) -> None:
        if fingerprint != self._seen:
            self._seen_at = time.monotonic()
        self._seen = fingerprint

    async def _watch(self) -> None:
        if self._refreshing is not None and self._refreshing.poll() is not None:
            self._refreshing = None  # done: reaped, not left a zombie
        if self.writing:
            return  # this session's own change: shown once written
        now = await asyncio.to_thread(self._fingerprint)
        changed = now != self._seen
        self._see(now)
        for screen in reversed(self.screen_stack):
            reload = getattr(screen, "reload", None)
            if reload is not None:
                # A screen that says which files it read (``read_for``) is read again when
                # they differ: a change written here while it was shown (begun on another
                # screen) is seen by the session already, but not by that screen.
                if changed or getattr(screen, "read_for", now) != now:
                    try:
                        await reload()
                    except StoreError as error:
                        self.say(str(error), "error")
                break
        if not changed:
            await self._refresh_answers()

    async def _refresh_answers(self) -> None:
        """Once the board file has changed (here or in another session) and then stayed as
        it is for :attr:`answers_quiet`, work out again the ``list --json`` answers that
        scripts keep asking for, in a process of its own (:mod:`tui.refresh_answers`):
        a status bar's first call after a change then reads its answer (~20 ms at 10,000
        orders) instead of working it out (~75 ms). Nothing is run when no script ever
        asked, nor while the last one still runs."""
        if self._seen == self._answered or self._seen is None:
            return
        if time.monotonic() - self._seen_at < self.answers_quiet:
            return
        if self._refreshing is not None and self._refreshing.poll() is None:
            return
        self._answered = self._seen
        names = [str(self.board.store.path), *self.board_names]
        self._refreshing = await asyncio.to_thread(self._start_refresh, names)

    @staticmethod
    def _start_refresh(names: list[str]) -> subprocess.Popen[bytes] | None:
        from tui.quicklist import asked_slots

        try:
            if not asked_slots(names):
                return None
            return subprocess.Popen(
                [*REFRESH_ANSWERS, *names],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # not the terminal's: a ctrl+c or hang-up is the board's
            )
        except Exception:  # no process to be had: the next call works its answer out
            return None

    # ---------------------------------------------------------------- palette

    def open_order(self, number: str) -> None:
        """Show one order (from the palette): on the board, with its screen on top."""
        from tui.screens.order import OrderScreen

        if any(isinstance(screen, ModalScreen) for screen in self.screen_stack):
            # A form or editor may hold typed text: never pop it away unasked.
            self.say("Close the open dialog first (escape), then jump", "warning")
            return
        if self.current_mode != "board":
            self.switch_mode("board")
        while len(self.screen_stack) > 1 and not isinstance(self.screen, BoardScreen):
            if not self.screen.is_mounted:
                # It closes once built (pop_screen), not now: this loop would wait for it
                # forever. Jump once it is built.
                self.call_after_refresh(self.open_order, number)
                return
            self.pop_screen()
        board = self.screen
        if isinstance(board, BoardScreen):
            # The board's cursor on it too: escape comes back to it, not to the card the
            # cursor was on (a '>' then moved that other order); a filter hiding it goes.
            if not board.select_order(number) and board.filter_text and number in board.orders:
                board.action_clear_filter()
                board.select_order(number)
            elif number not in board.orders and not board.show_archive:
                if board.filter_text:
                    board.action_clear_filter()
                board.show_in_archive(number)  # a closed order (or one new meanwhile)
        self.push_screen(OrderScreen(number))

    async def _dispatch_action(self, namespace: DOMNode, action_name: str, params: Any) -> bool:
        actions: frozenset[str] = getattr(namespace, "DIALOG_ACTIONS", frozenset())
        if action_name not in actions:
            return await super()._dispatch_action(namespace, action_name, params)
        # A key that opens a dialog: done once the dialog is up (see
        # BoardScreen.DIALOG_ACTIONS), as its priority binding holds the keys after it.
        before = self.screen
        done = await super()._dispatch_action(namespace, action_name, params)
        pushed = self.screen
        if pushed is not before and not pushed.is_mounted:
            await AwaitMount(pushed, [pushed])
        return done

    async def action_quit(self) -> None:
        """Quit; first asking, when a form or editor holds typed text (ctrl+q there quit at
        once, and the note typed was lost: escape asks, as the help for ctrl+c says to
        press ctrl+q)."""
        from tui.screens.questions import ConfirmModal

        if isinstance(self.screen, ConfirmModal) or not any(
            screen.is_mounted and getattr(screen, "typed", lambda: False)()
            for screen in self.screen_stack
        ):
            await super().action_quit()
            return

        async def answered(leave: bool | None) -> None:
            if leave:
                await super(CancelboardApp, self).action_quit()

        self.push_screen(
            ConfirmModal("Quit, and throw away what you typed?", "quit", "keep editing"),
            answered,
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Board", "The stage columns (1)", partial(self.switch_mode, "board"))
        yield SystemCommand(
            "Lessons library", "Every lesson, searchable (2)", partial(self.switch_mode, "lessons")
        )
        yield SystemCommand(
            "Stats", "Why orders get cancelled (3)", partial(self.switch_mode, "stats")
        )
        yield SystemCommand("Help", "Every key (?)", self.action_help)
        for fmt, what in (
            ("json", "JSON (complete)"),
            ("csv", "CSV (spreadsheets)"),
            ("md", "Markdown (report)"),
        ):
            yield SystemCommand(
                f"Export as {what}",
                "Write the board to a file beside it",
                partial(self.export, fmt),
            )
        yield SystemCommand(
            "Edit cancellation reasons", "The list the reason modal offers", self.edit_reasons
        )
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description and binding.action != "quit":
                key = self.get_key_display(binding)
                yield SystemCommand(
                    binding.description,
                    f"{key} on this screen",
                    partial(self.run_action, binding.action, screen),
                )

    def export(self, fmt: str) -> None:
        """Export the board to a new file beside the board file (from the palette)."""
        self.run_worker(self._export(fmt), group="export")

    async def _export(self, fmt: str) -> None:
        from tui import exchange

        stamp = self.board.clock().astimezone().strftime("%Y%m%d-%H%M%S")
        target = self.board.store.path.with_name(f"cancelboard-export-{stamp}.{fmt}")

        def write() -> None:
            exchange.write_private(target, exchange.export_board(self.board, fmt))

        try:
            await asyncio.to_thread(write)
        except Exception as error:  # an I/O or validation problem: say it, keep running
            self.say(f"Export failed: {error}", "error")
            return
        self.say(f"Exported to {target}")

    def edit_reasons(self) -> None:
        from tui.screens.reasons import ReasonsEditor

        self.push_screen(ReasonsEditor())

    # ---------------------------------------------------------------- help

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.key_rows()))

    def key_rows(self) -> list[KeyRow]:
        """Every key that works here now, from the real bindings, grouped by where it works.

        Walks the whole binding chain (focused widget, its parents, the screen, the app)
        and shows, for each key, the binding that answers it (see :func:`answering`): not
        a binding the key never reaches, nor one Textual's widgets bring that does
        nothing here."""
        chain = self.screen._binding_chain
        answers = answering(chain)
        screen_group = GROUPS.get(type(self.screen).__name__, type(self.screen).__name__)
        keys: dict[tuple[str, str], list[str]] = {}
        for node, bindings in chain:
            # A widget of Textual's own (the lessons' list): its keys are its screen's.
            group = GROUPS.get(type(node).__name__, screen_group)
            for key_bindings in bindings.key_to_bindings.values():
                for binding in key_bindings:
                    if id(binding) not in answers or not binding.description or binding.system:
                        continue
                    shown = keys.setdefault((group, binding.description), [])
                    display = self.get_key_display(binding)
                    if display not in shown:
                        shown.append(display)
        order = list(dict.fromkeys(GROUPS.values()))
        rows = [(group, ", ".join(k), what) for (group, what), k in keys.items()]
        rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
        return rows


MEANINGLESS = frozenset({"app.focus_next", "app.focus_previous", "screen.copy_text", "select"})
"""Actions of Textual's own bindings that mean nothing to a user here: tab's focus moves
(the arrows move between columns and panels), copying text selected with a mouse, and a
list's enter (a screen that opens something on enter says so with its own binding)."""

SCROLLS = {
    "scroll_left": "x",
    "scroll_right": "x",
    "page_left": "x",
    "page_right": "x",
    "scroll_up": "y",
    "scroll_down": "y",
    "page_up": "y",
    "page_down": "y",
    "scroll_home": "xy",
    "scroll_end": "xy",
}
"""Textual's scrolling actions, by the axes that must scroll for them to run: a widget
that cannot scroll that way skips the binding, and the key goes on up the chain (left
on a card list moves to the next column)."""


def _textual_keys(node: object) -> set[tuple[str, str]]:
    """(key, action) of the bindings ``node`` has from Textual's own classes."""
    keys = set()
    for cls in type(node).__mro__:
        if cls.__module__.startswith("textual.") and "BINDINGS" in vars(cls):
            keys |= {(b.key, b.action) for b in Binding.make_bindings(vars(cls)["BINDINGS"])}
    return keys


def _skipped(node: object, action: str) -> bool:
    """Whether ``node`` skips ``action`` now: a scroll its widget cannot make."""
    axes = SCROLLS.get(action)
    if axes is None or not isinstance(node, Widget):
        return False
    if getattr(type(node), f"action_{action}", None) is not getattr(Widget, f"action_{action}"):
        return False  # the widget's own action (a list's page_up moves its highlight)
    return not (
        ("x" in axes and node.allow_horizontal_scroll)
        or ("y" in axes and node.allow_vertical_scroll)
    )


def answering(chain: Iterable[tuple[object, BindingsMap]]) -> set[int]:
    """The bindings (by ``id``) that answer their keys, from a binding chain (focused
    widget first, the app last).

    As Textual looks for one: a priority binding first, from the app down; then the
    first binding from the focused widget up, skipping a scroll its widget cannot make.
    Textual's own bindings that mean nothing here (:data:`MEANINGLESS`) are left out;
    and where one of Textual's answers a key that a binding of this app's also has
    (enter on a card list, which opens the order), this app's says what happens."""
    found: dict[str, list[tuple[Binding, bool]]] = {}
    for node, bindings in chain:
        textual = _textual_keys(node)
        for key, key_bindings in bindings.key_to_bindings.items():
            for binding in key_bindings:
                theirs = (key, binding.action) in textual
                if (theirs and binding.action in MEANINGLESS) or _skipped(node, binding.action):
                    continue
                found.setdefault(key, []).append((binding, theirs))
    answers = set()
    for candidates in found.values():
        first = next((b for b, _ in reversed(candidates) if b.priority), None)
        if first is None:
            ours = [b for b, theirs in candidates if not theirs]
            first = ours[0] if candidates[0][1] and ours else candidates[0][0]
        answers.add(id(first))
    return answers
