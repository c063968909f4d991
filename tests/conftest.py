"""Shared fixtures: a board file in a temporary folder, and a fixed clock."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from tui.board import Board
from tui.store import Store, archive_path_of

FROZEN = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test reads or writes the real user's board, config or cache."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("CANCELBOARD_DB", raising=False)
    monkeypatch.delenv("CANCELBOARD_CONFIG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield


@pytest.fixture(autouse=True)
def _board_bytes_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every board file a test writes is checked to be exactly its data's JSON: the store
    reuses each document's JSON from its last write (documents are never changed in
    place), and a document changed in place anywhere would show here as stale bytes."""
    real = Store._board_bytes

    def checked(self: Store, data: dict[str, dict[str, Any]]) -> bytes:
        payload = real(self, data)
        assert payload == orjson.dumps(data), "a board document was changed in place"
        return payload

    monkeypatch.setattr(Store, "_board_bytes", checked)


@pytest.fixture(autouse=True)
def _archive_splices_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every archive a test's close writes by adding to its bytes (``Store._splice``) is
    checked to be exactly what writing the whole archive with those orders would give."""
    real = Store._splice

    def checked(self: Store, tx: Any, board: dict[str, dict[str, Any]]) -> Any:
        splice = real(self, tx, board)
        if splice is not None:
            data = orjson.loads(splice.raw[:])
            for doc_id, doc in splice.orders:
                assert doc_id not in data["orders"], "a closed order took an archived id"
                data["orders"][doc_id] = doc
            assert splice.raw[:-2] + splice.tail == orjson.dumps(data)
            assert splice.sums == hashlib.sha256(orjson.dumps(data)).digest()
        return splice

    monkeypatch.setattr(Store, "_splice", checked)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's board file lives (not created yet)."""
    return tmp_path / "board.json"


@pytest.fixture
def board(db_path: Path) -> Board:
    """A board service over a real JSON file."""
    return Board(Store(db_path))


def env_with_db(db: Path) -> dict[str, str]:
    """The environment for running ``cancelboard`` on ``db``."""
    env = dict(os.environ)
    env["CANCELBOARD_DB"] = str(db)
    return env


def stored_orders(db: Path) -> dict[str, dict[str, Any]]:
    """Every order on disk by number, read as plain JSON (a file that is not JSON fails the
    test): the archive's (closed orders), then the board file's."""
    orders: dict[str, dict[str, Any]] = {}
    for path in (archive_path_of(db), db):
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            orders.update({doc["order"]: doc for doc in data["orders"].values()})
    return orders
