"""The domain, store, service and CLI commands never import Textual (fast and decoupled)."""

from __future__ import annotations

import subprocess
import sys


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
