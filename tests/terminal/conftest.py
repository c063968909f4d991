"""Fixtures for the real-terminal tests: a private tmux server, a board file, a HOME."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import Tmux


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A HOME for the program, inside the test's temporary folder."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The test's board file (not created yet)."""
    return tmp_path / f"board-{uuid.uuid4().hex[:8]}.json"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    """A private tmux server, killed at the end of the test."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    server = Tmux(tmp_path)
    try:
        yield server
    finally:
        server.kill()
