"""The board over a real SSH login (a private sshd on 127.0.0.1), and a dropped link.

The sshd is this module's own: a throwaway host key and client key, a config file in a
temporary folder, listening on 127.0.0.1 only, on a free port; it is stopped when the
module's tests are done.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import (
    COLUMN_TITLES,
    Tmux,
    add_note,
    add_order,
    advance_to_requested,
    app_env,
    board_command,
    columns_of,
    env_command,
    move_back_to_talk,
    stored_orders,
)

pytestmark = pytest.mark.terminal

SSHD = Path("/usr/sbin/sshd")
STARTUP_TIMEOUT = 10.0


def _find_sshd() -> Path | None:
    found = shutil.which("sshd", path=os.pathsep.join(["/usr/sbin", "/usr/bin", "/sbin"]))
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cancelboard-test", "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )


@dataclass(frozen=True)
class Sshd:
    """A running private sshd and what a client needs to log in to it."""

    port: int
    user: str
    client_key: Path
    log: Path

    def client_command(self, remote: str) -> list[str]:
        """An interactive ``ssh -tt`` login running ``remote`` on the server."""
        return [
            "ssh",
            "-tt",
            "-F",
            "/dev/null",
            "-i",
            str(self.client_key),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "IdentityAgent=none",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-p",
            str(self.port),
            f"{self.user}@127.0.0.1",
            remote,
        ]


def _wait_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Until sshd answers with its banner on the port (or fail with its log)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                if conn.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"sshd did not start on 127.0.0.1:{port}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """A private sshd on 127.0.0.1 only, stopped when the module's tests are done."""
    binary = _find_sshd()
    if binary is None:
        pytest.skip("sshd (openssh-server) is not installed")
    if shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("ssh and ssh-keygen (openssh-client) are not installed")
    folder = tmp_path_factory.mktemp("sshd")
    host_key, client_key = folder / "host_ed25519", folder / "client_ed25519"
    _keygen(host_key)
    _keygen(client_key)
    authorized = folder / "authorized_keys"
    authorized.write_text(client_key.with_suffix(".pub").read_text())
    authorized.chmod(0o600)
    # Privilege separation needs this folder (Debian's service creates it at boot).
    with contextlib.suppress(PermissionError):  # not root: sshd will say what it misses
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)
    user = pwd.getpwuid(os.getuid()).pw_name
    log = folder / "sshd.log"
    config = folder / "sshd_config"
    for _attempt in range(3):
        port = _free_port()
        config.write_text(
            f"Port {port}\n"
            "ListenAddress 127.0.0.1\n"
            f"HostKey {host_key}\n"
            f"PidFile {folder / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {authorized}\n"
            "PermitRootLogin yes\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "UsePAM no\n"
            "StrictModes no\n"
            "PrintMotd no\n"
            "PrintLastLog no\n"
            "X11Forwarding no\n"
            "AllowTcpForwarding no\n"
            "AllowAgentForwarding no\n"
            "LogLevel VERBOSE\n"
        )
        check = subprocess.run(
            [str(binary), "-t", "-f", str(config)], capture_output=True, text=True, timeout=30
        )
        assert check.returncode == 0, f"sshd refused its config: {check.stderr}"
        with log.open("wb") as log_file:
            proc = subprocess.Popen(
                [str(binary), "-D", "-e", "-f", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_listening(proc, port, log)
            break
        except AssertionError:
            _stop(proc)
            if "Address already in use" not in log.read_text():
                raise
    else:
        raise AssertionError(f"no free port for sshd:\n{log.read_text()}")
    try:
        yield Sshd(port=port, user=user, client_key=client_key, log=log)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def remote_board(sshd: Sshd, db: Path, home: Path) -> list[str]:
    """ssh to the private server, opening the board there on ``db``."""
    return sshd.client_command(env_command(app_env(home, TERM="xterm-256color"), board_command(db)))


def open_over_ssh(tmux: Tmux, sshd: Sshd, db: Path, home: Path) -> None:
    """Log in inside tmux and wait for the board."""
    # The client side needs only a terminal type and a HOME of its own.
    tmux.start(remote_board(sshd, db, home), app_env(home, TERM="xterm-256color"))
    try:
        tmux.wait_for(*COLUMN_TITLES, "Lessons")
    except AssertionError as error:
        raise AssertionError(f"{error}\nsshd log:\n{sshd.log.read_text()}") from None


def board_processes(db: Path) -> list[int]:
    """Running ``cancelboard`` processes (not ssh clients) that have ``db`` on their command line
    (what ``pgrep -f`` would find, minus the client)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(db).encode() in argv and not Path(argv[0].decode(errors="replace")).name == "ssh":
            pids.append(int(entry.name))
    return pids


def test_board_over_ssh(tmux: Tmux, sshd: Sshd, db: Path, home: Path) -> None:
    order, buyer, note = "FO77SSH0001", "remote_bob", "called on skype"
    open_over_ssh(tmux, sshd, db, home)

    add_order(tmux, order, buyer)
    screen = advance_to_requested(tmux, order)
    assert "47h left" in columns_of(screen)[1]
    move_back_to_talk(tmux, order)
    tmux.keys("Enter")
    tmux.wait_for("Notes (0)", buyer)
    add_note(tmux, note, 1)
    tmux.keys("Escape")
    tmux.wait_until(lambda s: "Notes (1)" not in s and order in columns_of(s)[0], "the board")
    tmux.keys("q")
    # ssh exits with the remote program's status.
    assert tmux.wait_exit() == "0"

    stored = stored_orders(db)[order]
    assert stored["buyer"] == buyer
    assert stored["stage"] == "talk"
    assert [e["text"] for e in stored["entries"] if e["kind"] == "note"] == [note]
    assert [h.get("to") for h in stored["history"] if h["action"] == "moved"] == [
        "requested",
        "talk",
    ]
    assert not board_processes(db)


@pytest.mark.parametrize("hang_up", ["sigkill-client", "kill-session"])
def test_dropped_link_ends_the_board_and_keeps_every_change(
    tmux: Tmux, sshd: Sshd, db: Path, home: Path, hang_up: str
) -> None:
    first, second, note = "FO88DROP0001", "FO88DROP0002", "refund promised"
    open_over_ssh(tmux, sshd, db, home)
    add_order(tmux, first, "carol_x")
    advance_to_requested(tmux, first)
    add_order(tmux, second, "dave_y")
    tmux.keys("Enter")
    tmux.wait_for("Notes (0)", "dave_y")
    add_note(tmux, note, 1)

    server_side = board_processes(db)
    assert server_side, "no cancelboard process found on the server side"

    if hang_up == "sigkill-client":
        os.kill(tmux.pane_pid, signal.SIGKILL)  # the ssh client, as if the laptop died
    else:
        tmux.tmux("kill-session", "-t", tmux.target)  # the terminal window closed

    deadline = time.monotonic() + 5.0
    while board_processes(db):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"cancelboard still running after the link dropped: {board_processes(db)}"
            )
        time.sleep(0.05)

    orders = stored_orders(db)  # whole JSON, not a half-written file
    assert orders[first]["stage"] == "requested"
    assert orders[second]["stage"] == "talk"
    assert [e["text"] for e in orders[second]["entries"]] == [note]
    # No half-written temporary file left next to it either.
    assert not [p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")]
