"""$EDITOR round trips: edited text comes back; a failing editor keeps the original."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui.external import edit_text, editor_command


def script(tmp_path: Path, name: str, body: str) -> list[str]:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return [str(path)]


def test_edited_text_comes_back(tmp_path: Path) -> None:
    editor = script(tmp_path, "ed.sh", 'printf "edited [b] text\\n" > "$1"\n')
    assert edit_text("original", editor) == "edited [b] text"


def test_a_failing_editor_keeps_the_original(tmp_path: Path) -> None:
    editor = script(tmp_path, "fail.sh", 'echo junk > "$1"; exit 3\n')
    assert edit_text("original", editor) is None
    assert edit_text("original", [str(tmp_path / "missing-editor")]) is None


def test_the_temp_file_is_private_and_removed(tmp_path: Path) -> None:
    log = tmp_path / "log"
    editor = script(tmp_path, "spy.sh", f'stat -c %a "$1" > {log}; echo "$1" >> {log}\n')
    edit_text("secret buyer message", editor)
    mode, path = log.read_text().split()
    assert mode == "600"
    assert not Path(path).exists()


def test_editor_preference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISUAL", "myvisual --wait")
    monkeypatch.setenv("EDITOR", "myeditor")
    assert editor_command() == ["myvisual", "--wait"]
    monkeypatch.delenv("VISUAL")
    assert editor_command() == ["myeditor"]
    monkeypatch.delenv("EDITOR")
    monkeypatch.setenv("PATH", os.defpath)
    command = editor_command()
    assert command is None or Path(command[0]).name in {"vi", "nano"}
