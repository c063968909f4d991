"""Text a seller must read has contrast against what it is drawn on, in a dark and a light
theme (and so in 16 colours and with NO_COLOR, which map these colours down)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import Color

from tests.ui.helpers import make_app, wait_for, wait_for_text
from tui.app import CancelboardApp
from tui.board import Board
from tui.domain import Direction, EntryKind, OrderDraft
from tui.screens.order import OrderScreen
from tui.store import Store

LEAST = 3.0
"""WCAG's least contrast for large or bold text; what these labels are held to."""


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        share = value / 255
        return share / 12.92 if share <= 0.03928 else ((share + 0.055) / 1.055) ** 2.4

    red, green, blue = color.get_truecolor()
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(app: CancelboardApp, text: str) -> list[float]:
    """The contrast of each place ``text`` is drawn (one segment each)."""
    found = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if text in segment.text and style and style.color and style.bgcolor:
                lighter, darker = sorted(
                    (_luminance(style.color), _luminance(style.bgcolor)), reverse=True
                )
                found.append((lighter + 0.05) / (darker + 0.05))
    assert found, f"{text!r} is not drawn"
    return found


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_panel_titles_tags_and_the_buyer_can_be_read(db_path: Path, theme: str) -> None:
    # The order screen's panels without focus had their titles in the border's colour,
    # all but the background's (1.1:1): "Buyer messages (1)" could not be read. The card
    # under the cursor drew its #tag in the accent colour on the cursor's tint (1.5:1 in
    # the light theme), and the buyer's name was orange on light grey (1.3:1).
    board = Board(Store(db_path))
    board.add_order(OrderDraft("FO5B2A1C3D4E", "lena_k", amount="25", tags="late"))
    board.add_entry("FO5B2A1C3D4E", EntryKind.NOTE, "a note")
    board.add_entry("FO5B2A1C3D4E", EntryKind.MESSAGE, "hi", direction=Direction.FROM_BUYER)
    app = make_app(db_path)
    async with app.run_test(size=(100, 24)) as pilot:
        app.theme = theme
        await wait_for_text(pilot, "#late")
        await pilot.pause(0.1)
        assert min(contrast(app, "#late")) >= LEAST
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await wait_for_text(pilot, "Buyer messages (1)")
        for text in ("Notes (1)", "Buyer messages (1)", "Lessons (0)", "lena_k"):
            assert min(contrast(app, text)) >= LEAST, text
