"""The command palette finds orders by buyer; help lists every binding; themes persist."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.command import CommandPalette

from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.board import Board
from tui.config import Config, load_config
from tui.domain import Move, OrderDraft, Outcome, Stage
from tui.screens.board import BoardScreen
from tui.screens.help import HelpScreen
from tui.screens.order import OrderScreen
from tui.store import Store


async def test_palette_jumps_to_an_order_by_buyer(db_path: Path) -> None:
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO1", "alice"))
    board.add_order(OrderDraft("FO2", "[@click=app.quit]mallory"))
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO2")
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"mallory")
        await wait_for_text(pilot, "Jump to order FO2")
        assert "[@click=app.quit]mallory" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        assert app.screen.number == "FO2"  # type: ignore[attr-defined]
        assert app.is_running
        # Back on the board, the cursor is on the order jumped to (a '>' moved the card
        # the cursor was on before the jump).
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        order = app.screen.current_order()  # type: ignore[attr-defined]
        assert order is not None and order.number == "FO2"
        # A filter that hides the order jumped to goes.
        await pilot.press("slash", *"alice", "enter")
        await wait_for(pilot, lambda: "FO2" not in app.screen.columns()[0].numbers)  # type: ignore[attr-defined]
        app.open_order("FO2")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        order = app.screen.current_order()  # type: ignore[attr-defined]
        assert order is not None and order.number == "FO2"
        assert app.screen.filter_text == ""  # type: ignore[attr-defined]


async def test_palette_jump_to_a_closed_order_shows_the_archive_at_it(db_path: Path) -> None:
    # The archive hidden, escape came back to the card the cursor was on: a '>' then moved
    # an order the seller had not just looked at.
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO1", "alice"))
    board.add_order(OrderDraft("FO2", "bob"))
    board.move("FO2", Move(Stage.CLOSED, outcome=Outcome.SAVED))
    app = make_app(db_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.press("slash", *"alice", "enter")
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"bob")
        await wait_for_text(pilot, "Jump to order FO2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        await wait_for(pilot, lambda: screen.current_order() is not None)
        order = screen.current_order()
        assert order is not None and order.number == "FO2"
        assert screen.show_archive and screen.filter_text == ""
        assert "Closed (1)" in screen_text(app) and "FO1" in screen_text(app)


async def test_help_lists_every_binding_of_the_board_screen(db_path: Path) -> None:
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("question_mark")
        await wait_for_text(pilot, "Keys")
        described = {what for _, _, what in app.screen.rows}  # type: ignore[attr-defined]
        for binding in BoardScreen.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.description in described, binding.description


async def test_a_theme_chosen_is_remembered(
    db_path: Path, tmp_path: Path, monkeypatch: object
) -> None:
    config_file = tmp_path / "config.toml"
    import os

    os.environ["CANCELBOARD_CONFIG"] = str(config_file)
    try:
        app = make_app(db_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.1)
            app.theme = "nord"
            await pilot.pause(0.1)
        assert load_config(config_file)[0].theme == "nord"
        again = make_app(db_path, config=load_config(config_file)[0])
        async with again.run_test(size=(80, 24)):
            assert again.theme == "nord"
    finally:
        del os.environ["CANCELBOARD_CONFIG"]


async def test_unknown_theme_is_a_notice_not_a_crash(db_path: Path) -> None:
    app = make_app(db_path, config=Config(theme="no-such-theme"), save_settings=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause(0.2)
        assert any("Unknown theme" in n.message for n in app._notifications)


async def test_without_colour_an_ansi_theme_is_not_used_and_not_forgotten(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NO_COLOR's grey scale drew the ANSI themes' colours (the terminal's own) black on
    # black: nothing on the board could be read.
    config_file = tmp_path / "config.toml"
    monkeypatch.setenv("CANCELBOARD_CONFIG", str(config_file))
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(db_path, config=Config(theme="ansi-dark"))
    default = make_app(db_path).theme
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause(0.2)
        assert app.theme == default
        assert any("ansi-dark theme cannot be read" in n.message for n in app._notifications)
        app.theme = "ansi-light"  # not that one either, and the one saved is kept
        await pilot.pause(0.1)
        assert app.theme == default
        assert not config_file.exists()  # nothing saved: ansi-dark stays for colour sessions
        app.theme = "nord"  # any other is taken, and remembered
        await pilot.pause(0.1)
        app.theme = "ansi-light"
        await pilot.pause(0.1)
        assert app.theme == "nord"
    assert load_config(config_file)[0].theme == "nord"


async def test_a_closed_palette_is_not_kept(db_path: Path) -> None:
    # Each opening read the orders with the collector off and then froze every object
    # alive, garbage waiting for the collector too: every closed palette stayed (~2 MB
    # at 5,000 orders each time).
    Board(Store(db_path)).add_order(OrderDraft("FO1", "alice"))
    app = make_app(db_path)
    palettes: list[weakref.ref[object]] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        await pilot.pause(0.5)  # the start's own work after the paint
        for _ in range(3):
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
            palettes.append(weakref.ref(app.screen))
            await pilot.press(*"alice")
            await wait_for_text(pilot, "Jump to order FO1")
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
            await pilot.pause(0.1)
        gc.collect()
        assert [ref() for ref in palettes[:-1]] == [None, None]


async def test_the_palette_says_a_board_file_it_cannot_read(db_path: Path) -> None:
    Board(Store(db_path)).add_order(OrderDraft("FO1", "alice"))
    app = make_app(db_path, watch_interval=60.0)  # the board does not see it first
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for_text(pilot, "FO1")
        db_path.write_text('{"orders": ', encoding="utf-8")  # another program, cut short
        await pilot.press("ctrl+p")
        await wait_for(
            pilot, lambda: any("not valid JSON" in n.message for n in app._notifications)
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        assert app.is_running


@pytest.mark.parametrize("width", [80, 60])
async def test_the_key_line_always_shows_help_and_the_palette(db_path: Path, width: int) -> None:
    # On an order's screen at 80 columns the line ran off its end: no '? Help', no palette.
    Board(Store(db_path)).add_order(OrderDraft("FO1", "alice"))
    app = make_app(db_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        for screen in ("board", "order"):
            if screen == "order":
                await pilot.press("enter")
                await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
                await pilot.pause()
            last = screen_text(app).splitlines()[-1]
            assert last.rstrip().endswith("? Help   ^p palette"), (screen, last)
            assert " esc Board " in last or screen == "board"
        # A form shows its own keys there, not the screen's (whose letters it types).
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        await pilot.press("e")
        await wait_for_text(pilot, "Edit FO1")
        last = screen_text(app).splitlines()[-1]
        assert "^s Save" in last and " n New " not in last, last
    async with make_app(db_path).run_test(size=(160, 24)) as pilot:
        app = pilot.app
        await wait_for_text(pilot, "FO1")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await pilot.pause()
        assert "y Copy" in screen_text(app).splitlines()[-1]  # room for every key


def help_text(app: object) -> str:
    """The table of keys the help shows, as plain text."""
    return app.screen.table().plain  # type: ignore[attr-defined, no-any-return]


async def test_help_says_what_each_key_does_where_it_is_pressed(db_path: Path) -> None:
    # The help listed "← Scroll Left" / "→ Scroll Right" under the card list and an
    # order's panels, where they move between columns and panels, plus Textual's own
    # "tab Focus Next" and "^c, super+c Copy selected text", and enter as "Select".
    Board(Store(db_path)).add_order(OrderDraft("FO1", "alice"))
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "FO1")
        for where in ("board", "order"):
            await pilot.press("question_mark")
            await wait_for_text(pilot, "Keys")
            text = help_text(app)
            for noise in ("Scroll Left", "Scroll Right", "Page Left", "Page Right"):
                assert noise not in text, (where, noise)
            for noise in ("Focus Next", "Focus Previous", "Copy selected text", "Select"):
                assert noise not in text, (where, noise)
            lines = [" ".join(line.split()) for line in text.splitlines()]
            if where == "board":
                assert "←, h Left" in lines and "→, l Right" in lines and "⏎ Open" in lines
                assert "Cards in a column" in lines and "↓, j Down" in lines
            else:
                assert "←, h Previous panel" in lines and "→, l Next panel" in lines
                assert "Entries in a panel" in lines and "↓, j Down" in lines
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
            if where == "board":
                await pilot.press("enter")
                await wait_for_text(pilot, "Notes (0)")
        await pilot.press("2")
        await wait_for_text(pilot, "Lessons (0 of 0)")
        await pilot.press("question_mark")
        await wait_for_text(pilot, "Keys")
        lines = [" ".join(line.split()) for line in help_text(app).splitlines()]
        assert "OptionList" not in lines and "↓, j Down" in lines
        assert not any("Scroll" in line or "Select" in line for line in lines)


async def test_saving_one_reason_says_one_reason(db_path: Path) -> None:
    Board(Store(db_path)).set_reasons([("late", "Late delivery")])
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause(0.2)
        app.edit_reasons()
        await wait_for_text(pilot, "Cancellation reasons")
        await wait_for_text(pilot, "late: Late delivery")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(app._notifications))
        assert [n.message for n in app._notifications] == ["Saved 1 reason"]
    assert Board(Store(db_path)).reasons() == [("late", "Late delivery")]
