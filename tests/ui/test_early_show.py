"""A move is laid out and drawn while it is written, and reaches the terminal only once it
is on disk (DESIGN: every change is on disk when the screen shows it).

Each test holds the board file's write on a gate, and records every frame that goes on to
Textual's output (what a terminal would be sent), as text.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual._compositor import CompositorUpdate
from textual.app import App

from tests.conftest import stored_orders
from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui import store as store_module
from tui.board import Board
from tui.domain import Move, OrderDraft, Stage
from tui.screens import actions
from tui.store import Store

SIZE = (80, 24)
MOVED = "requested (0)"
"""The end of the Requested column's title (wrapped at 80x24) once FO2 has left it."""
BEFORE = "requested (1)"
SWITCH = sys.getswitchinterval()
"""Python's thread switch interval, as every test leaves it."""
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


@pytest.fixture
def folder_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """Holds the sync of the board's folder: the new file is in place, not yet safe."""
    held = Gate()
    real = store_module.fsync_folder

    def sync(folder: Path) -> None:
        held.hold(lambda: real(folder))

    monkeypatch.setattr(store_module, "fsync_folder", sync)
    yield held
    held.open.set()


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


async def focus_fo2(pilot: Any) -> None:
    """Once FO2 shows, put the cursor on it (in Cancellation requested)."""
    app = pilot.app
    await wait_for_text(pilot, "FO2")
    await pilot.press("l")
    await wait_for(pilot, lambda: app.screen.current_order().number == "FO2")


async def press_back(pilot: Any, sent: list[str], gate: Gate) -> asyncio.Task[None]:
    """Once FO2 shows, focus it (Requested), arm ``gate`` and press ``<``: in a task,
    as Pilot's press returns once the key is handled, and the move waits on the gate."""
    await focus_fo2(pilot)
    del sent[:]
    gate.armed = True
    return asyncio.create_task(pilot.press("less_than_sign"))


async def unshown_until_written(pilot: Any, sent: list[str], gate: Gate) -> None:
    """The screen live, the write held at ``gate``: the move stays off the terminal (the
    board's watch looks many times meanwhile); once the write returns, it shows."""
    app = pilot.app
    await asyncio.sleep(0.3)
    assert app.writing
    assert not shown(sent, MOVED)
    assert BEFORE in screen_text(app)
    gate.open.set()
    await wait_for(pilot, lambda: shown(sent, MOVED))
    assert not app.writing


def shown(frames: list[str], text: str) -> bool:
    return any(text in frame for frame in frames)


async def test_a_move_is_drawn_as_it_is_written_and_sent_once_written(
    db_path: Path, sent: list[str], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_path)
    monkeypatch.setattr(actions, "HOLD_LIMIT", 10.0)  # this write waits on purpose
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        pressed = await press_back(pilot, sent, gate)
        await until(gate.writing.is_set)
        # The cards are laid out and drawn with FO2 in Talk already...
        await until(lambda: MOVED in screen_text(app))
        await asyncio.sleep(0.2)
        # ...and none of it went to the terminal: the file still has it in Requested.
        assert app.output_held
        assert sys.getswitchinterval() == actions.SWITCH_INTERVAL
        assert not gc.isenabled()  # no collector pass inside the move's frame
        assert not shown(sent, MOVED)
        assert stored_orders(db_path)["FO2"]["stage"] == "requested"
        gate.open.set()
        await pressed
        await wait_for(pilot, lambda: shown(sent, MOVED))
        assert stored_orders(db_path)["FO2"]["stage"] == "talk"
        assert not app.output_held
        assert sys.getswitchinterval() == SWITCH
        assert gc.isenabled()
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
        pressed = await press_back(pilot, sent, gate)
        await until(lambda: MOVED in screen_text(app))
        # Something else drawn while the frames are held (as the watch reloading the
        # board, or a notice expiring, would: they run beside the key being handled)...
        app.title = "meanwhile"
        await until(lambda: "meanwhile" in held_text(app))
        gate.open.set()
        await pressed
        await wait_for_text(pilot, "disk full")
        # Back as it was, on screen and on disk; the move never reached the terminal, and
        # the screen was sent again whole: the other change too.
        assert not app.output_held
        assert sys.getswitchinterval() == SWITCH
        assert gc.isenabled()
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
        pressed = await press_back(pilot, sent, gate)
        await until(lambda: MOVED in screen_text(app))
        app.title = "meanwhile"
        await until(lambda: "meanwhile" in held_text(app))
        # Past the limit, the screen goes live again as it was, the write still waiting:
        # the screen is sent again whole, the other change with it.
        await until(lambda: not app.output_held and BEFORE in screen_text(app))
        await until(lambda: shown(sent, "meanwhile"))
        assert gate.writing.is_set() and not gate.open.is_set()
        assert sys.getswitchinterval() == SWITCH
        assert gc.isenabled()  # back on with the screen, however long the write takes
        assert not shown(sent, MOVED)
        assert stored_orders(db_path)["FO2"]["stage"] == "requested"
        gate.open.set()
        await pressed
        await wait_for(pilot, lambda: shown(sent, MOVED))
        assert stored_orders(db_path)["FO2"]["stage"] == "talk"
        assert app.screen.current_order().number == "FO2"  # type: ignore[attr-defined]


async def test_nothing_shows_a_move_before_its_folder_is_synced(
    db_path: Path, sent: list[str], folder_gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file is renamed into place, then its folder synced: until then a crash may
    # lose the rename. The board's watch (fast here), reading the file meanwhile, must
    # not show the move: the screen is live again (past the hold's limit).
    seed(db_path)
    monkeypatch.setattr(actions, "HOLD_LIMIT", 0.05)
    app = make_app(db_path, watch_interval=0.02)
    async with app.run_test(size=SIZE) as pilot:
        pressed = await press_back(pilot, sent, folder_gate)
        await until(folder_gate.writing.is_set)
        assert stored_orders(db_path)["FO2"]["stage"] == "talk"  # in place, not yet safe
        await until(lambda: not app.output_held)
        await unshown_until_written(pilot, sent, folder_gate)
        await pressed


async def test_a_dialog_closed_while_its_move_is_written(
    db_path: Path, sent: list[str], folder_gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A dialog's answer is written by a worker while the app goes on: escape closes the
    # dialog meanwhile, the file in place but its folder not synced yet. The board coming
    # back, and its watch, leave the move unshown until written; then it shows.
    seed(db_path)
    monkeypatch.setattr(actions, "HOLD_LIMIT", 10.0)
    app = make_app(db_path, watch_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await focus_fo2(pilot)
        await pilot.press("greater_than_sign")
        await wait_for_text(pilot, "what did the buyer answer?")
        del sent[:]
        folder_gate.armed = True
        await pilot.press("t")  # declined or withdrawn: back to Talk to buyer
        await until(folder_gate.writing.is_set)
        await until(lambda: app.output_held and MOVED in screen_text(app))
        await pilot.press("escape")
        await until(lambda: "what did the buyer answer?" not in screen_text(app))
        await until(lambda: not app.output_held)
        assert sys.getswitchinterval() == SWITCH
        await unshown_until_written(pilot, sent, folder_gate)
        assert stored_orders(db_path)["FO2"]["stage"] == "talk"
