"""The stats screen (``3``): why orders get cancelled and what it costs, at a glance."""

from __future__ import annotations

import re
import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Header, Static

from tui.screens.actions import read_closed_orders
from tui.stats import Stats, render_text
from tui.store import StoreError
from tui.widgets.keybar import KeyBar
from tui.widgets.safe import safe

_BARS = re.compile("[█▉▊▋▌▍▎▏]+")


def styled_report(text: str) -> Content:
    """The plain report with headings in bold and bars in the accent colour."""
    content = safe(text)
    offset = 0
    previous = ""
    for line in text.split("\n"):
        if line and not previous and not line.startswith(" "):
            content = content.stylize("bold $text-primary", offset, offset + len(line))
        for bar in _BARS.finditer(line):
            content = content.stylize("$accent", offset + bar.start(), offset + bar.end())
        offset += len(line) + 1
        previous = line
    return content


class StatsScreen(Screen[None]):
    """Counts, rates and bar charts drawn with block characters (readable in 16 colours)."""

    BINDINGS = [
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="stats.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="stats.up"),
        # As in the board's columns. home and end are the scroll's own (it has focus).
        Binding("g,home", "top", "Top", show=False, id="stats.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="stats.bottom"),
        Binding("ctrl+d", "half_page(1)", "Half page down", show=False, id="stats.half_down"),
        Binding("ctrl+u", "half_page(-1)", "Half page up", show=False, id="stats.half_up"),
        Binding("escape", "app.switch_mode('board')", "Board", id="stats.board"),
    ]

    def __init__(self) -> None:
        super().__init__(id="stats")
        self.stats: Stats | None = None
        self._read_for: object = None
        """The files' fingerprint and the minute the stats were read for."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="stats-body"):
            yield Static(id="stats-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "Stats"
        self.query_one("#stats-body").focus()

    async def on_screen_resume(self) -> None:
        # Textual resumes a mode's screen twice on its first visit: the stats were read
        # three times (with the mount's), and a damaged archive said so three times. Read
        # again only when the files changed, or the minute did (ages move with the clock).
        try:
            key = (self.app.board.store.fingerprint(), int(time.monotonic() // 60))  # type: ignore[attr-defined]
        except StoreError:
            key = None
        if key is None or key != self._read_for:
            self._read_for = key
            await self.reload()

    async def reload(self, focus: str | None = None) -> None:
        board = self.app.board  # type: ignore[attr-defined]

        try:
            self.stats = await read_closed_orders(board.stats)
        except StoreError as error:
            # Stats count the closed orders too: what is wrong is said, here and as a
            # notice, and nothing is changed (it ended the app).
            self.stats = None
            self.app.say(str(error), "error")  # type: ignore[attr-defined]
            self.query_one("#stats-text", Static).update(safe(f"No stats: {error}"))
            return
        self.draw()

    def draw(self) -> None:
        if self.stats is None:
            return
        width = max(24, self.size.width - 4)
        self.query_one("#stats-text", Static).update(styled_report(render_text(self.stats, width)))

    def on_resize(self, event: Resize) -> None:
        self.draw()

    def action_scroll(self, step: int) -> None:
        body = self.query_one("#stats-body", VerticalScroll)
        body.scroll_relative(y=step * 3, animate=False)

    def action_half_page(self, direction: int) -> None:
        body = self.query_one("#stats-body", VerticalScroll)
        half = max(body.scrollable_content_region.height // 2, 1)
        body.scroll_relative(y=direction * half, animate=False, immediate=True)

    def action_top(self) -> None:
        self.query_one("#stats-body", VerticalScroll).scroll_home(animate=False, immediate=True)

    def action_bottom(self) -> None:
        self.query_one("#stats-body", VerticalScroll).scroll_end(animate=False, immediate=True)
