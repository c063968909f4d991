"""Real-terminal helpers: the installed ``cancelboard`` run inside a private tmux server.

Every test gets its own tmux server (its own socket), its own board file and its own HOME,
and the server is killed when the test ends. Waiting is done by polling what tmux shows
(``capture-pane``) until the expected text is there, never by sleeping a fixed time; the one
exception is the pause after Escape (a key that follows Escape within Textual's escape delay
is read as alt+key).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TIMEOUT = 10.0
"""How long to wait for the terminal to show something."""
POLL = 0.05
ESCAPE_PAUSE = 0.3
"""After Escape: longer than Textual's escape delay, so the next key is not alt+key."""
WIDTH, HEIGHT = 80, 24
COLUMN_TITLES = ("Talk to buyer", "Cancellation", "requested", "Fiverr review", "Follow up")


def cancelboard() -> Path:
    """The installed program, next to the interpreter running the tests."""
    return Path(sys.executable).parent / "cancelboard"


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment for the program: a temporary HOME and XDG dirs, UTF-8, no colour
    settings inherited from whoever runs the tests."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "EDITOR": "false",
        "VISUAL": "false",
    }
    env.update(extra)
    return env


def run_cli(db: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``cancelboard`` subcommand on ``db``; fail the test if it does not succeed."""
    result = subprocess.run(
        [str(cancelboard()), *args, "--db", str(db)],
        env=app_env(home),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, f"cancelboard {args[0]} failed: {result.stderr}"
    return result


def columns_of(screen: str, count: int = 5) -> list[str]:
    """The board's columns as text (inside their borders), left to right, at 80 columns."""
    width = WIDTH // count
    cols: list[list[str]] = [[] for _ in range(count)]
    for line in screen.splitlines()[1:-1]:
        line = line.ljust(WIDTH)
        for i in range(count):
            cols[i].append(line[i * width + 1 : (i + 1) * width - 1].rstrip())
    return ["\n".join(c) for c in cols]


class Tmux:
    """One private tmux server with one session, 80x24 by default."""

    def __init__(self, workdir: Path) -> None:
        self.name = f"cb-{uuid.uuid4().hex[:12]}"
        self.target = f"={self.name}:"
        self.config = workdir / "tmux.conf"
        # remain-on-exit: a crashed program leaves its last screen (and exit status) to read;
        # set-clipboard on: an OSC 52 that got through would land in tmux's paste buffers.
        self.config.write_text(
            "set -wg remain-on-exit on\n"
            "set -g set-clipboard on\n"
            "set -g allow-rename on\n"
            "set -g status off\n"
            "set -g history-limit 100\n"
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        self.env.setdefault("LANG", "C.UTF-8")
        self.started = False
        self.socket: Path | None = None

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a tmux command against this server."""
        result = subprocess.run(
            ["tmux", "-u", "-L", self.name, "-f", str(self.config), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=15,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"tmux {args[0]} failed: {result.stderr.strip()}")
        return result

    def start(
        self,
        command: Sequence[str],
        env: dict[str, str] | None = None,
        *,
        width: int = WIDTH,
        height: int = HEIGHT,
        then: Sequence[str] = (),
    ) -> None:
        """Start ``command`` (with exactly ``env``) in a new detached session.

        ``then`` is one more tmux command run in the same invocation, before tmux reads
        anything the program writes (e.g. ``pipe-pane``).
        """
        argv = list(command)
        if env is not None:
            argv = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv]
        extra = [";", *then] if then else []
        self.tmux(
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            str(width),
            "-y",
            str(height),
            "--",
            *argv,
            *extra,
        )
        self.started = True
        self.socket = Path(self.tmux("display-message", "-p", "#{socket_path}").stdout.strip())

    def record_output(self, path: Path) -> list[str]:
        """The tmux command that appends every byte the program writes to ``path``
        (pass it as ``start(..., then=...)`` so that nothing is missed)."""
        return ["pipe-pane", "-o", "-t", self.target, f"cat >> {shlex.quote(str(path))}"]

    def kill(self) -> None:
        """Stop the server and everything running in it, and remove its socket."""
        if not self.started:
            return
        self.started = False
        self.tmux("kill-server", check=False)
        if self.socket is not None:
            self.socket.unlink(missing_ok=True)

    # ------------------------------------------------------------------ reading

    def screen(self) -> str:
        """What the pane shows now, as text."""
        return self.tmux("capture-pane", "-p", "-t", self.target).stdout

    def styled_screen(self) -> str:
        """What the pane shows now, with its attributes as escape sequences."""
        return self.tmux("capture-pane", "-e", "-p", "-t", self.target).stdout

    def wait_card_focused(self, number: str, timeout: float = TIMEOUT) -> None:
        """Wait until the cards have focus with ``number``'s card highlighted: the board
        draws that card bold and underlined (it must read without colour)."""
        # tmux writes attributes and colours as separate SGRs: underline on, maybe colours,
        # then the card's first line, the order number.
        underlined = re.compile(
            r"\x1b\[(?!38|48)(?:\d+;)*4(?:;\d+)*m(?:\x1b\[[\d;]*m)*" + re.escape(number)
        )
        self.wait_until(
            lambda _: underlined.search(self.styled_screen()) is not None,
            f"the focused card {number}",
            timeout,
        )

    def show(self, fmt: str) -> str:
        """A tmux format about the pane, e.g. ``#{pane_pid}``."""
        return self.tmux("display-message", "-p", "-t", self.target, fmt).stdout.strip()

    def cursor(self) -> tuple[int, int]:
        """The terminal cursor (Textual keeps it on the focused input)."""
        x, y = self.show("#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    @property
    def pane_pid(self) -> int:
        return int(self.show("#{pane_pid}"))

    def exit_status(self) -> str | None:
        """How the program in the pane ended (``"0"``, ``"signal 9"``), None while it runs.

        tmux marks the pane dead when the terminal closes, and knows the status only once
        the process is reaped: both must be there.
        """
        dead, status, sig = self.show("#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}").split(
            "|"
        )
        if dead != "1":
            return None
        if status:
            return status
        if sig:
            return f"signal {sig}"
        # Debian's tmux is built with libutempter, which swaps in its own SIGCHLD handler
        # while it removes the pane's utmp record (just as the pane's terminal closes): a
        # child that exits in that window is never reaped (tmux/tmux#311). Remind tmux.
        os.kill(int(self.show("#{pid}")), signal.SIGCHLD)
        return None

    def wait_until(
        self, condition: Callable[[str], bool], what: str, timeout: float = TIMEOUT
    ) -> str:
        """Poll the screen until ``condition(screen)`` holds; returns that screen.

        The screen must also read the same on two captures in a row: a capture can fall
        in the middle of a frame, half old and half new.
        """
        deadline = time.monotonic() + timeout
        previous = None
        while True:
            screen = self.screen()
            if screen == previous and condition(screen):
                return screen
            if time.monotonic() > deadline:
                status = self.exit_status()
                ended = f" (the program has exited: {status})" if status is not None else ""
                raise AssertionError(f"timed out waiting for {what}{ended}; the screen:\n{screen}")
            previous = screen
            time.sleep(POLL)

    def wait_for(self, *texts: str, timeout: float = TIMEOUT) -> str:
        """Wait until every one of ``texts`` is on screen."""
        return self.wait_until(lambda s: all(t in s for t in texts), f"{texts!r} to show", timeout)

    def wait_gone(self, *texts: str, timeout: float = TIMEOUT) -> str:
        """Wait until none of ``texts`` is on screen."""
        return self.wait_until(
            lambda s: not any(t in s for t in texts), f"{texts!r} to go away", timeout
        )

    def wait_cursor_row(self, row: int, timeout: float = TIMEOUT) -> None:
        """Wait until the terminal cursor is on ``row`` (focus moved to that input)."""
        deadline = time.monotonic() + timeout
        while self.cursor()[1] != row:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the cursor never reached row {row} (at {self.cursor()}):\n{self.screen()}"
                )
            time.sleep(POLL)

    def wait_exit(self, timeout: float = TIMEOUT) -> str:
        """Wait until the program exits; returns how (``"0"`` for a clean exit)."""
        deadline = time.monotonic() + timeout
        while (status := self.exit_status()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"the program did not exit:\n{self.screen()}")
            time.sleep(POLL)
        return status

    # ------------------------------------------------------------------ typing

    def keys(self, *keys: str) -> None:
        """Press keys by tmux name (``Enter``, ``Tab``, ``C-s``, ``>``...)."""
        for key in keys:
            self.tmux("send-keys", "-t", self.target, key)
            if key in ("Escape", "Esc"):
                time.sleep(ESCAPE_PAUSE)

    def type(self, text: str) -> None:
        """Type ``text`` literally."""
        self.tmux("send-keys", "-t", self.target, "-l", "--", text)

    def raw(self, data: bytes) -> None:
        """Write bytes to the program's terminal input as they are (mouse reports...)."""
        self.tmux("send-keys", "-t", self.target, "-H", *(f"{b:02x}" for b in data))


def board_command(db: Path) -> list[str]:
    """The command line that opens the board on ``db``."""
    return [str(cancelboard()), "--db", str(db)]


def env_command(env: dict[str, str], argv: Sequence[str]) -> str:
    """``argv`` run with exactly ``env``, as one shell command line (for ssh)."""
    return shlex.join(["env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv])


# ---------------------------------------------------------------------- a seller's steps


def row_of(screen: str, label: str) -> int:
    """The screen row on which ``label`` starts a field (after borders and blanks)."""
    for row, line in enumerate(screen.splitlines()):
        if re.search(rf"(^|[│\s]){re.escape(label)}\s", line):
            return row
    raise AssertionError(f"no {label!r} row on screen:\n{screen}")


def add_order(tmux: Tmux, order: str, buyer: str) -> str:
    """``n``, the order number, tab, the buyer, ``ctrl+s``: returns the board with the card."""
    tmux.keys("n")
    form = tmux.wait_for("New order", "Order number", "Buyer")
    tmux.wait_cursor_row(row_of(form, "Order number"))  # focused first
    tmux.type(order)
    tmux.wait_for(order)
    tmux.keys("Tab")
    # Keys sent before the focus has moved would still go to the first field.
    tmux.wait_cursor_row(row_of(form, "Buyer"))
    tmux.type(buyer)
    tmux.wait_for(buyer)
    tmux.keys("C-s")
    screen = tmux.wait_until(
        lambda s: "New order" not in s and order in columns_of(s)[0], f"the card {order}"
    )
    tmux.wait_card_focused(order)  # the next key acts on it
    return screen


def advance_to_requested(tmux: Tmux, order: str) -> str:
    """``>`` then enter (the reason modal's default): returns the board."""
    tmux.keys(">")
    tmux.wait_for("Cancellation requested: why?")
    tmux.keys("Enter")
    screen = tmux.wait_until(
        lambda s: "why?" not in s and order in columns_of(s)[1] and order not in columns_of(s)[0],
        f"{order} in 'Cancellation requested'",
    )
    tmux.wait_card_focused(order)  # focus followed the card
    return screen


def move_back_to_talk(tmux: Tmux, order: str) -> str:
    """``<`` on a card in 'Cancellation requested': returns the board."""
    tmux.keys("<")
    screen = tmux.wait_until(
        lambda s: order in columns_of(s)[0] and order not in columns_of(s)[1],
        f"{order} back in 'Talk to buyer'",
    )
    tmux.wait_card_focused(order)  # focus followed the card
    return screen


def add_note(tmux: Tmux, text: str, count: int) -> str:
    """On the order screen: ``N``, the text, ``ctrl+s``; returns the screen showing it."""
    tmux.keys("N")
    tmux.wait_for("Private note")
    tmux.type(text)
    tmux.wait_for(text)
    tmux.keys("C-s")
    return tmux.wait_until(
        lambda s: "Private note" not in s and f"Notes ({count})" in s and text in s,
        "the saved note",
    )


def stored_orders(db: Path) -> dict[str, dict[str, Any]]:
    """The board file's orders by number (parsing fails the test if the file is not JSON)."""
    data = json.loads(db.read_text(encoding="utf-8"))
    return {doc["order"]: doc for doc in data["orders"].values()}
