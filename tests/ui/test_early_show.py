"""A move is laid out and drawn while it is written, and reaches the terminal only once it
is on disk (DESIGN: every change is on disk when the screen shows it).

Each test holds the board file's write on a gate, and records every frame that goes on to
Textual's output (what a terminal would be sent), as text.
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual._compositor import ChopsUpdate, CompositorUpdate, InlineUpdate, LayoutUpdate
from textual.app import App

from tests.conftest import stored_orders
from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.board import Board
from tui.domain import Move, OrderDraft, Stage
from tui.screens import actions
from tui.store import Store

SIZE = (80, 24)
MOVED = "requested (0)"
"""The end of the Requested column's title (wrapped at 80x24) once FO2 has left it."""
BEFORE = "requested (1)"
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of each frame handed on to Textual's output, in order."""
    frames: list[str] = []
    real = App._display

    def display(self: App[Any], screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate):
            frames.append(ESCAPES.sub("", renderable.render_segments(self.console)))
        real(self, screen, renderable)

    monkeypatch.setattr(App, "_display", display)
    return frames


class Gate:
    """Once armed, holds the board file's writes until opened; then runs ``then`` (the
    real write)."""

    def __init__(self) -> None:
        self.armed = False
        self.writing = threading.Event()
        self.open = threading.Event()

    def hold(self, then: Callable[[], Any]) -> Any:
        if not self.armed:
            return then()
        self.writing.set()
        assert self.open.wait(10), "the test never opened the gate"
        return then()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate()
    real = Store._write_atomic

    def write(self: Store, *args: Any, **kwargs: Any) -> Any:
        return held.hold(lambda: real(self, *args, **kwargs))

    monkeypatch.setattr(Store, "_write_atomic", write)
    yield held
    held.open.set()  # a failed test leaves no thread waiting


def seed(db: Path) -> None:
    """FO1 in Talk, FO2 in Cancellation requested (``<`` moves it back, no dialog)."""
    board = Board(Store(db))
    board.add_order(OrderDraft("FO1", "ann"))
    board.add_order(OrderDraft("FO2", "bob"))
    board.move("FO2", Move(Stage.REQUESTED, reason="mistake"))


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for ``condition`` while a key is being handled (Pilot's pauses wait for the
    app to be idle, which it is not until the write is done)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting for the app"
        await asyncio.sleep(0.01)


def held_text(app: Any) -> str:
    """The text of the frames held from the terminal now."""
    frames = app._held_frames or ()
    return "".join(ESCAPES.sub("", frame.render_segments(app.console)) for _, frame in frames)


def shown(frames: list[str], text: str) -> bool:
    return any(text in frame for frame in frames)


async def test_a_move_is_drawn_as_it_is_written_and_sent_once_written(
    db_path: Path, sent: list[str], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_path)
    monkeypatch.setattr(actions, "HOLD_LIMIT", 10.0)  # this write waits on purpose
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("l")
        await wait_for(pilot, lambda: app.screen.current_order().number == "FO2")  # type: ignore[attr-defined]
        del sent[:]
        gate.armed = True
        # Pilot's press returns once the key is handled, and the move waits on the gate.
        pressed = asyncio.create_task(pilot.press("less_than_sign"))
        await until(gate.writing.is_set)
        # The cards are laid out and drawn with FO2 in Talk already...
        await until(lambda: MOVED in screen_text(app))
        await asyncio.sleep(0.2)
        # ...and none of it went to the terminal: the file still has it in Requested.
        assert app.output_held
        assert not shown(sent, MOVED)
        assert stored_orders(db_path)["FO2"]["stage"] == "requested"
        gate.open.set()
        await pressed
        await wait_for(pilot, lambda: shown(sent, MOVED))
        assert stored_orders(db_path)["FO2"]["stage"] == "talk"
        assert not app.output_held
        assert app.screen.current_order().number == "FO2"  # type: ignore[attr-defined]


async def test_a_failed_write_never_reaches_the_terminal(
    db_path: Path, sent: list[str], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_path)
    before = db_path.read_bytes()
    monkeypatch.setattr(actions, "HOLD_LIMIT", 10.0)
    real_write = os.write

    def full(fd: int, data: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    app = make_app(db_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("l")
        await wait_for(pilot, lambda: app.screen.current_order().number == "FO2")  # type: ignore[attr-defined]
        del sent[:]
        gate.armed = True
        # Pilot's press returns once the key is handled, and the move waits on the gate.
        pressed = asyncio.create_task(pilot.press("less_than_sign"))
        await until(lambda: MOVED in screen_text(app))
        # Something else drawn while the frames are held (as the watch reloading the
        # board, or a notice expiring, would: they run beside the key being handled)...
        app.title = "meanwhile"
        await until(lambda: "meanwhile" in held_text(app))
        gate.open.set()
        await pressed
        await wait_for_text(pilot, "disk full")
        # Back as it was, on screen and on disk; the move never reached the terminal, and
        # what the dropped frames drew was sent again: the other change too.
        assert not app.output_held
        assert BEFORE in screen_text(app)
        assert app.screen.current_order().number == "FO2"  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: shown(sent, "meanwhile"))
        assert not shown(sent, MOVED)
        assert db_path.read_bytes() == before


async def test_a_slow_write_shows_the_board_as_it_was_until_written(
    db_path: Path, sent: list[str], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_path)
    monkeypatch.setattr(actions, "HOLD_LIMIT", 0.5)
    app = make_app(db_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("l")
        await wait_for(pilot, lambda: app.screen.current_order().number == "FO2")  # type: ignore[attr-defined]
        del sent[:]
        gate.armed = True
        # Pilot's press returns once the key is handled, and the move waits on the gate.
        pressed = asyncio.create_task(pilot.press("less_than_sign"))
        await until(lambda: MOVED in screen_text(app))
        app.title = "meanwhile"
        await until(lambda: "meanwhile" in held_text(app))
        # Past the limit, the screen goes live again as it was, the write still waiting:
        # what the dropped frames drew is sent again, the other change with it.
        await until(lambda: not app.output_held and BEFORE in screen_text(app))
        await until(lambda: shown(sent, "meanwhile"))
        assert gate.writing.is_set() and not gate.open.is_set()
        assert not shown(sent, MOVED)
        assert stored_orders(db_path)["FO2"]["stage"] == "requested"
        gate.open.set()
        await pressed
        await wait_for(pilot, lambda: shown(sent, MOVED))
        assert stored_orders(db_path)["FO2"]["stage"] == "talk"
        assert app.screen.current_order().number == "FO2"  # type: ignore[attr-defined]


def test_dropped_frames_are_drawn_again_where_they_drew() -> None:
    from rich.segment import Segment
    from textual.geometry import Region
    from textual.strip import Strip

    from tui.app import dropped_regions

    strip = Strip([Segment("x")])
    chops = ChopsUpdate([{}, {3: strip}, {0: strip, 9: strip}], [(1, 3, 4), (2, 0, 10)], [])
    layout = LayoutUpdate([[strip]], Region(0, 5, 80, 1))
    assert dropped_regions([(None, chops), (None, layout)]) == [
        Region(3, 1, 1, 1),
        Region(0, 2, 10, 1),
        Region(0, 5, 80, 1),
    ]
    assert dropped_regions([]) == []
    # Any other kind of frame: all of the screen.
    assert dropped_regions([(None, chops), (None, InlineUpdate([strip]))]) is None
