"""The Textual application: screens, app-wide keys, and watching the board file."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from tui.board import Board
from tui.screens.board import BoardScreen
from tui.screens.help import HelpScreen, KeyRow
from tui.screens.lessons import LessonsScreen
from tui.screens.stats import StatsScreen
from tui.store import Fingerprint, StoreError
from tui.text import clean_line


def styles_dir() -> Path:
    """The ``.tcss`` files: inside the wheel, or the repository's ``styles/`` when editable."""
    packaged = Path(__file__).parent / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "styles"


STYLE_FILES = ("app.tcss", "board.tcss", "order.tcss", "modals.tcss")

GROUPS = {
    "CancelboardApp": "Everywhere",
    "BoardScreen": "Board",
    "StageColumn": "Cards in a column",
    "OrderScreen": "Order",
    "EntryPanel": "Entries in a panel",
    "LessonsScreen": "Lessons library",
    "StatsScreen": "Stats",
}


class CancelboardApp(App[None]):
    """Cancelboard: orders heading for cancellation, as cards through the stages."""

    TITLE = "Cancelboard"
    CSS_PATH = [styles_dir() / name for name in STYLE_FILES]
    ENABLE_COMMAND_PALETTE = True
    MODES = {"board": BoardScreen, "lessons": LessonsScreen, "stats": StatsScreen}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("1", "switch_mode('board')", "Board", show=False, id="app.board"),
        Binding("2", "switch_mode('lessons')", "Lessons library", show=False, id="app.lessons"),
        Binding("3", "switch_mode('stats')", "Stats", show=False, id="app.stats"),
    ]

    def __init__(self, board: Board, *, watch_interval: float = 0.5) -> None:
        super().__init__()
        self.board = board
        self.watch_interval = watch_interval
        self.fatal_error_message = ""
        """Set when the app had to stop because the board file could not be used."""
        self._seen: Fingerprint | None = None

    def on_mount(self) -> None:
        self.sub_title = clean_line(str(self.board.store.path))
        self._seen = self._fingerprint()
        self.switch_mode("board")
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

    # ---------------------------------------------------------------- other sessions

    def _fingerprint(self) -> Fingerprint | None:
        try:
            return self.board.store.fingerprint()
        except StoreError:
            return None

    def changed(self) -> None:
        """This session just wrote: remember the file as it is, so it is not reloaded twice."""
        self._seen = self._fingerprint()

    async def _watch(self) -> None:
        now = await asyncio.to_thread(self._fingerprint)
        if now == self._seen:
            return
        self._seen = now
        for screen in reversed(self.screen_stack):
            reload = getattr(screen, "reload", None)
            if reload is not None:
                try:
                    await reload()
                except StoreError as error:
                    self.say(str(error), "error")
                break

    # ---------------------------------------------------------------- help

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.key_rows()))

    def key_rows(self) -> list[KeyRow]:
        """Every key that works here now, from the real bindings, grouped by where it works."""
        keys: dict[tuple[str, str], list[str]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.description:
                continue
            group = GROUPS.get(type(active.node).__name__, type(active.node).__name__)
            shown = keys.setdefault((group, binding.description), [])
            display = self.get_key_display(binding)
            if display not in shown:
                shown.append(display)
        order = list(dict.fromkeys(GROUPS.values()))
        rows = [(group, ", ".join(k), what) for (group, what), k in keys.items()]
        rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
        return rows
