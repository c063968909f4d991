"""The wheel carries the styles: a plain (non-editable) install must find its .tcss files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_every_stylesheet(tmp_path: Path) -> None:
    pytest.importorskip("build")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wheel = next(tmp_path.glob("cancelboard-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for sheet in (ROOT / "styles").glob("*.tcss"):
        assert f"tui/styles/{sheet.name}" in names
    assert "tui/py.typed" in names
    from tui.app import STYLE_FILES

    assert {f"tui/styles/{name}" for name in STYLE_FILES} <= names
