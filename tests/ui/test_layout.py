"""Small, standard and large terminals: every column and the order screen stay usable."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.helpers import make_app, screen_text, wait_for, wait_for_text
from tui.board import Board
from tui.domain import EntryKind, OrderDraft
from tui.store import Store


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (200, 50)])
async def test_board_and_order_screen_at(db_path: Path, size: tuple[int, int]) -> None:
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO5B2A1C3D4E", "jane_doe", amount="25"))
    board.add_entry("FO5B2A1C3D4E", EntryKind.NOTE, "remember")
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await wait_for_text(pilot, "jane_doe")
        text = screen_text(app)
        for word in ("Talk", "Fiverr", "Follow", "Lessons"):
            assert word in text
        if size[0] >= 80:
            for title in (
                "Talk to buyer",
                "Cancellation",
                "requested",
                "Fiverr review",
                "Follow up",
            ):
                assert title in text
            assert "FO5B2A1C3D4E" in text
        columns = app.screen.query(".stage-column")
        visible = [c for c in columns if c.display]
        assert len(visible) == 5
        assert all(c.region.width >= 10 for c in visible)
        assert all(c.region.right <= size[0] for c in visible)
        await pilot.press("enter")
        await wait_for_text(pilot, "remember")
        assert "Notes (1)" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "jane_doe" in screen_text(app))
        await pilot.resize_terminal(40, 12)
        await pilot.pause(0.2)
        assert app.is_running
