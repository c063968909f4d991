"""The domain, store, service and CLI commands never import Textual (fast and decoupled)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_core_modules_do_not_import_textual() -> None:
    code = (
        "import sys; import tui.domain, tui.text, tui.store, tui.board, tui.cli;"
        "from tui.cli import main; main(['--db', sys.argv[1], 'list', '--json']);"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "/nonexistent-dir-for-test/board.json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_opening_the_board_imports_only_what_it_uses(tmp_path: Path) -> None:
    # The argument parser (~4 ms with its building), the TOML reader without a config file
    # (~2 ms) and hashlib (~2 ms: only the archive is hashed) are not part of a start.
    code = (
        "import sys; from tui import cli; import tui.app;"
        "tui.app.CancelboardApp.run = lambda self: print(sorted("
        "m for m in ('argparse', 'tomllib', 'hashlib') if m in sys.modules));"
        "sys.exit(cli.main(['--db', sys.argv[1]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, f"{tmp_path}/board.json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
