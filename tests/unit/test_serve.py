"""``cancelboard serve`` answers HTTP on loopback and stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tui.serve import is_loopback


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


def test_serve_answers_http_on_loopback_and_stops(tmp_path: Path) -> None:
    pytest.importorskip("textual_serve")
    port = free_port()
    exe = Path(sys.executable).parent / "cancelboard"
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--db", str(tmp_path / "board.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
        start_new_session=True,
    )
    try:
        body = b""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    assert response.status == 200
                    body = response.read()
                    break
            except OSError:
                time.sleep(0.2)
        assert b"Cancelboard" in body
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode is not None


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--port", "99999"], "--port: 99999 is not a port (1 to 65535)"),
        (["--host", "127.0.0.300"], "--host: '127.0.0.300' is not an address of this machine"),
        (["--port", "TAKEN"], "--port: cannot listen on 127.0.0.1:TAKEN: address already in use"),
    ],
)
def test_an_address_it_cannot_listen_on_is_one_line_before_serving(
    tmp_path: Path, args: list[str], said: str
) -> None:
    # It said "Serving ... on http://127.0.0.1:8766", then ended in a traceback (exit 1,
    # or 0 for a port out of range).
    pytest.importorskip("textual_serve")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        args = [port if a == "TAKEN" else a for a in args]
        exe = Path(sys.executable).parent / "cancelboard"
        done = subprocess.run(
            [str(exe), "serve", *args, "--db", str(tmp_path / "board.json")],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 2
    assert done.stderr == f"cancelboard: error: {said.replace('TAKEN', port)}\n"
    assert "Serving" not in done.stderr + done.stdout
