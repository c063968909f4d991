"""The config file: defaults, hand edits, and broken files that never stop the board."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tui.config import Config, load_config, save_config
from tui.domain import Settings


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == (Config(), None)


def test_round_trip_and_hand_edits(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "config.toml"
    config = Config("nord", Settings(answer_window=timedelta(hours=24), default_currency="EUR"))
    save_config(config, path)
    assert load_config(path) == (config, None)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    path.write_text(path.read_text().replace("follow_up_days = 2", "follow_up_days = 5"))
    loaded, error = load_config(path)
    assert error is None and loaded.settings.follow_up_days == 5


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("theme = ", "not valid TOML"),
        ("answer_window_hours = -3", "answer_window_hours"),
        ("answer_window_hours = 'long'", "answer_window_hours"),
        ("follow_up_days = 1.5", "follow_up_days"),
        ("default_currency = 'dollars'", "currency"),
        ("colour = 'red'", "colour: unknown setting"),
    ],
)
def test_broken_files_give_one_line_and_defaults(tmp_path: Path, text: str, names: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    config, error = load_config(path)
    assert config == Config()
    assert error is not None and names in error and str(path) in error
    assert "\n" not in error


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    # Notepad's UTF-8 starts with one: the file was "not valid TOML" at line 1, column 1.
    path = tmp_path / "config.toml"
    path.write_bytes('\ufeffdefault_currency = "EUR"\n'.encode())
    config, error = load_config(path)
    assert error is None and config.settings.default_currency == "EUR"
