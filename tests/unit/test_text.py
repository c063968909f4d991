"""Cleaning people's text: escape sequences and control characters never survive."""

from __future__ import annotations

import pytest

from tui.text import all_clean_lines, cell_width, clean_line, clean_text, shorten_cells

HOSTILE = [
    ("\x1b]52;c;aGVsbG8=\x07after", "after"),  # OSC 52 clipboard write (BEL)
    ("\x1b]0;PWNED\x1b\\after", "after"),  # window title (ST)
    ("\x1b]8;;http://x\x07link\x1b]8;;\x07", "link"),  # hyperlink
    ("a\x1b[2Jb", "ab"),  # CSI clear screen
    ("a\x1b[38;5;196mred\x1b[0m", "ared"),  # CSI colours
    ("a\x9b31mb", "ab"),  # 8-bit CSI
    ("a\x9d0;t\x9cb", "ab"),  # 8-bit OSC and ST
    ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),  # DCS (sixel)
    ("a\x1b]52;c;unterminated", "a"),  # OSC with no terminator: eaten to the end
    ("a\x1bcb", "ab"),  # RIS, a two-byte escape
    ("a\u202eb\u2066c\u2069", "abc"),  # bidi override and isolates
    ("a\x00b\x07c\x7fd\x85e", "abcde"),  # C0, DEL, C1
    ("tab\tand\nnewline", "tab\tand\nnewline"),  # kept in multi-line text
    ("win\r\nline", "win\nline"),
]


@pytest.mark.parametrize(("raw", "clean"), HOSTILE)
def test_sequences_and_controls_are_removed(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_markup_is_left_as_typed() -> None:
    text = "[bold red]x[/] [@click=app.quit]q[/] [link=x]y[/link]"
    assert clean_text(text) == text


def test_single_lines() -> None:
    assert clean_line("  a\nb\tc  ") == "a b c"


def test_cjk_emoji_and_empty() -> None:
    assert clean_text("日本語 🎉") == "日本語 🎉"
    assert clean_text("") == ""


def test_a_megabyte_is_quick_and_intact() -> None:
    big = "word " * 200_000
    assert clean_text(big) == big


def test_lone_surrogates_from_bad_bytes_are_removed() -> None:
    raw = b"x\x9by \xffz".decode("utf-8", "surrogateescape")
    assert clean_text(raw) == "xy z"
    assert clean_line(raw) == "xy z"


PLAIN_OR_NOT = [
    *(raw for raw, _ in HOSTILE),
    "plain",
    "日本語 🎉",
    "[bold]x[/]",
    "",
    " leading",
    "trailing ",
    "\u00a0nbsp",
    "nbsp\u00a0",
    "mid\u00a0dle",
    "\u3000ideographic",
    "a\u2028b",
    "end\n",
]


@pytest.mark.parametrize("value", PLAIN_OR_NOT)
def test_all_clean_lines_agrees_with_clean_line(value: str) -> None:
    assert all_clean_lines([value]) == (clean_line(value) == value)
    assert all_clean_lines(["ok", value, "fine"]) == (clean_line(value) == value)


def test_all_clean_lines_wants_strings_and_never_says_yes_wrongly() -> None:
    assert all_clean_lines([])
    assert not all_clean_lines(["a", 5])
    assert not all_clean_lines([None])
    # Nothing a value holds is taken for a separator between values.
    assert all_clean_lines(["a\ue000 b", "c \ue000d"])
    assert not all_clean_lines(["a", " b"])
    assert not all_clean_lines(["a ", "b"])


def test_combining_accents_and_invisible_characters_take_no_cell() -> None:
    # `list` padded 'émile' (e and an accent) and 'zero\u200bwidth' a cell short: the
    # columns after them shifted by one.
    assert cell_width("e\u0301mile") == cell_width("émile") == 5
    assert cell_width("zero\u200bwidth") == 9
    assert cell_width("李小龙") == 6 and cell_width("abc") == 3
    assert shorten_cells("e\u0301mile_and_more", 6) == "e\u0301mile…"
