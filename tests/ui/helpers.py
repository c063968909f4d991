"""Helpers for Pilot tests: open the app on a board file, wait for what a user would see."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual.pilot import Pilot

from tui.app import CancelboardApp
from tui.board import Board
from tui.store import Store


def make_app(
    db: Path, *, clock: Callable[[], datetime] | None = None, **kwargs: object
) -> CancelboardApp:
    """The app on a board file, as ``cancelboard --db`` opens it."""
    board = Board(Store(db), clock=clock) if clock else Board(Store(db))
    return CancelboardApp(board, **kwargs)  # type: ignore[arg-type]


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until ``condition`` holds (service calls run in threads)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)


async def wait_for_text(pilot: Pilot[None], text: str, timeout: float = 5.0) -> None:
    """Wait until ``text`` is on screen."""
    app = pilot.app
    try:
        await wait_for(pilot, lambda: text in screen_text(app), timeout)  # type: ignore[arg-type]
    except AssertionError:
        raise AssertionError(f"{text!r} never showed; screen:\n{screen_text(app)}") from None  # type: ignore[arg-type]


def screen_text(app: CancelboardApp) -> str:
    """Everything on screen (the top screen and what shows beneath a modal), as plain text."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)
