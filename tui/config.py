"""Settings a seller may change: theme, default currency, the lengths of Fiverr's windows.

Kept in a small TOML file under the platform's config dir (``$CANCELBOARD_CONFIG``
overrides), meant to be edited by hand too. A broken file never stops the board: it
gives one clear line and the defaults.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from tui.atomic import fsync_folder, write_temp
from tui.domain import Settings, ValidationError, parse_currency

DEFAULT_THEME = "textual-dark"


@dataclass(frozen=True)
class Config:
    """What the config file holds."""

    theme: str = DEFAULT_THEME
    """A Textual theme name."""
    settings: Settings = field(default_factory=Settings)
    """Window lengths and the default currency."""


def config_path() -> Path:
    """``$CANCELBOARD_CONFIG``, else ``cancelboard/config.toml`` in the user config dir."""
    env = os.environ.get("CANCELBOARD_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("cancelboard", appauthor=False) / "config.toml"


_HOURS = {
    "answer_window_hours": "answer_window",
    "warn_under_hours": "warn_under",
    "very_late_after_hours": "very_late_after",
}


def load_config(path: Path | None = None) -> tuple[Config, str | None]:
    """The config, and an error line if the file was unusable (then: defaults)."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(), None
    except OSError as error:
        return Config(), f"{path}: cannot read ({error.strerror}); using the defaults"
    import tomllib  # only when there is a file (~2 ms of opening the board)

    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))  # (a BOM, as Notepad saves it)
        return _parse(data), None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        return Config(), f"{path}: not valid TOML ({error}); using the defaults"
    except ValidationError as error:
        return Config(), f"{path}: {error}; using the defaults"


def _parse(data: dict[str, Any]) -> Config:
    settings = Settings()
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key in _HOURS:
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not 0 < value <= 24 * 365
            ):
                raise ValidationError(key, f"a number of hours, got {value!r}")
            changes[_HOURS[key]] = timedelta(hours=value)
        elif key == "follow_up_days":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
                raise ValidationError(key, f"a whole number of days, got {value!r}")
            changes["follow_up_days"] = value
        elif key == "default_currency":
            changes["default_currency"] = parse_currency(str(value))
        elif key != "theme":
            raise ValidationError(key, "unknown setting")
    theme = data.get("theme", DEFAULT_THEME)
    if not isinstance(theme, str) or not theme:
        raise ValidationError("theme", f"a theme name, got {theme!r}")
    return Config(theme=theme, settings=replace(settings, **changes))


def render_config(config: Config) -> str:
    """The config as TOML, with a comment on each setting."""
    s = config.settings

    def hours(delta: timedelta) -> str:
        value = delta.total_seconds() / 3600
        return str(int(value)) if value == int(value) else str(value)

    return (
        "# Cancelboard settings. Edit by hand; delete this file to get the defaults back.\n"
        f'theme = "{config.theme}"\n'
        "# Currency used when an order is added without one.\n"
        f'default_currency = "{s.default_currency}"\n'
        "# Hours the other party has to answer a cancellation request (Fiverr: 48).\n"
        f"answer_window_hours = {hours(s.answer_window)}\n"
        "# Below this many hours left, the countdown turns to a warning.\n"
        f"warn_under_hours = {hours(s.warn_under)}\n"
        "# Hours past due before an order is 'very late' (the buyer may cancel alone).\n"
        f"very_late_after_hours = {hours(s.very_late_after)}\n"
        "# Days from a resolution to the follow-up check with the buyer.\n"
        f"follow_up_days = {s.follow_up_days}\n"
    )


def save_config(config: Config, path: Path | None = None) -> None:
    """Write the config atomically (a crash never leaves half a file)."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = write_temp(path.parent, path.name, render_config(config).encode("utf-8"))
    try:
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    fsync_folder(path.parent)
