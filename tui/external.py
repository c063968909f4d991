"""Long text in the user's own editor (``$VISUAL``, ``$EDITOR``, then vi or nano)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path


def editor_command() -> list[str] | None:
    """The editor to run, as argv; None when none is installed."""
    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            return shlex.split(value)
    for fallback in ("vi", "nano"):
        found = shutil.which(fallback)
        if found:
            return [found]
    return None


def edit_text(text: str, command: list[str]) -> str | None:
    """Run ``command`` on a private temp file holding ``text``.

    Returns the edited text, or None if the editor failed (non-zero exit or could not
    start): then the caller keeps the original text.
    """
    folder = Path(tempfile.mkdtemp(prefix="cancelboard-"))
    path = folder / "entry.txt"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            result = subprocess.run([*command, str(path)], check=False)
        except OSError:
            return None
        if result.returncode != 0:
            return None
        edited = path.read_text(encoding="utf-8", errors="replace")
        # Editors add a final newline; do not let it pile up on each round trip.
        return edited[:-1] if edited.endswith("\n") and not text.endswith("\n") else edited
    finally:
        shutil.rmtree(folder, ignore_errors=True)
