"""How the board starts: what it spares, and that it still looks as it should.

Python's cyclic collector is off while the board starts and back on once it is drawn: its
passes over what the imports and the app's start make cost a tenth of a 10,000-order
board's start; left off, a session's cycles would never be freed. And the app's CSS is
parsed once, not again for the board's screen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.color import Color
from textual.css.stylesheet import Stylesheet

from tests.ui.helpers import make_app, wait_for_text
from tui import cli, quicklist
from tui.app import CancelboardApp
from tui.board import Board, OrderDraft
from tui.config import Config
from tui.store import Store

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()  # what a test froze is the test run's, not the app's
    gc.enable()


def seed(db: Path) -> None:
    Board(Store(db)).add_order(OrderDraft("FO1", "ann"))


def test_the_command_starts_with_the_collector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(cli, "run", lambda: seen.append(gc.isenabled()))
    monkeypatch.setattr(quicklist.sys, "argv", ["cancelboard", "--version"])
    quicklist.run()
    assert seen == [False]


def test_the_board_opens_with_it_off_until_drawn(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_path)
    seen: list[tuple[bool, bool]] = []

    def run(app: CancelboardApp) -> None:
        seen.append((gc.isenabled(), app.collector_paused))

    monkeypatch.setattr(CancelboardApp, "run", run)
    gc.enable()  # even when called with it on (not through the entry point)
    assert cli.main(["--db", str(db_path)]) == 0
    assert seen == [(False, True)]


def test_a_server_runs_with_it_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[bool] = []

    def serve(db: Path, host: str, port: int) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr("tui.serve.serve", serve)
    gc.disable()  # as the entry point leaves it
    assert cli.main(["--db", str(tmp_path / "b.json"), "serve"]) == 0
    assert seen == [True]


async def test_it_is_back_on_once_the_first_frame_is_drawn(db_path: Path) -> None:
    seed(db_path)
    app = make_app(db_path)
    app.collector_paused = True
    gc.disable()
    frozen = gc.get_freeze_count()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        assert gc.isenabled()
        assert not app.collector_paused
        assert gc.get_freeze_count() > frozen  # what the start made is out of its passes


async def test_an_app_not_started_so_leaves_it_alone(db_path: Path) -> None:
    seed(db_path)
    app = make_app(db_path)
    gc.disable()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        assert not gc.isenabled()


async def test_the_css_is_parsed_once(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(db_path)
    reparsed: list[Stylesheet] = []
    reparse = Stylesheet.reparse

    def counted(self: Stylesheet) -> None:
        reparsed.append(self)
        reparse(self)

    monkeypatch.setattr(Stylesheet, "reparse", counted)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
    assert reparsed == []


@pytest.mark.parametrize("theme", ["textual-light", "nord"])  # not the default
async def test_the_board_starts_in_the_configured_theme(db_path: Path, theme: str) -> None:
    seed(db_path)
    app = make_app(db_path, config=Config(theme=theme))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "FO1")
        assert app.theme == theme
        background = Color.parse(app.theme_variables["background"])
        assert app.screen.styles.background == background
