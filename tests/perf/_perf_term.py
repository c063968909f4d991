"""A real terminal for the benchmarks: a private tmux server driven through control mode.

Commands go to tmux over one control-mode client (``tmux -C``) instead of one ``tmux``
process per command: sending a key or capturing the screen then costs a fraction of a
millisecond, not the 3-10 ms (more on a loaded 2-core machine) of forking a client, so
timings are not swamped by the measuring tool.

Every program runs in its own detached session, with ``pipe-pane`` copying everything it
writes to the terminal into a file. The file's size is polled (a cheap ``stat``) to know
when the program wrote something; the screen is captured only then, and a change is dated
by the output that made it (tmux updates its grid before it copies output to the pipe).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

POLL = 0.0005
"""Seconds between two looks at the output file (a ``stat``)."""
RECAPTURE = 0.1
"""Capture the screen at least this often while waiting, even with no new output."""


class TermError(RuntimeError):
    """tmux refused a command, or the program did not show what was awaited in time."""


def _quote(arg: str) -> str:
    # tmux's command parser takes shell-like quoting; shlex's output is compatible.
    return shlex.quote(arg)


@dataclass
class KeyTiming:
    """What one key press caused, in seconds from the moment the key was sent."""

    first: float | None = None
    """First output after the key."""
    last: float | None = None
    """Last output of the burst (the redraw done: then quiet for ``quiet`` seconds)."""
    screen: float | None = None
    """The awaited text on screen (dated by the output that brought it)."""
    file: float | None = None
    """The watched file replaced (its inode, size or mtime changed)."""
    bytes: int = 0
    """Bytes written to the terminal in the burst."""
    notes: list[str] = field(default_factory=list)


def _fingerprint(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class Term:
    """One private tmux server, its control client, and the sessions run in it."""

    def __init__(self, workdir: Path, width: int = 120, height: int = 40) -> None:
        self.workdir = workdir
        self.width = width
        self.height = height
        self.socket = f"cbbench-{uuid.uuid4().hex[:10]}"
        self.config = workdir / "tmux.conf"
        self.config.write_text(
            "set -g status off\n"
            "set -g exit-empty off\n"
            "set -g history-limit 200\n"
            "set -g default-terminal tmux-256color\n"
            "set -g escape-time 0\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        env.setdefault("LANG", "C.UTF-8")
        self._proc = subprocess.Popen(
            [
                "tmux",
                "-u",
                "-L",
                self.socket,
                "-f",
                str(self.config),
                "-C",
                "new-session",
                "-s",
                "control",
                "-x",
                "20",
                "-y",
                "5",
                "sleep 100000",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._read_block()  # the reply to the new-session that attached us
        self.command("refresh-client", "-f", "ignore-size,no-output")
        self.socket_path = Path(self.command("display-message", "-p", "#{socket_path}")[0])
        self._count = 0

    # ---------------------------------------------------------------- control mode

    def _read_block(self) -> list[str]:
        assert self._proc.stdout is not None
        lines: list[str] = []
        inside = False
        while True:
            raw = self._proc.stdout.readline()
            if not raw:
                raise TermError("the tmux control client went away")
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if not inside:
                if line.startswith("%begin "):
                    inside = True
                continue  # a notification between replies
            if line.startswith("%end ") or line.startswith("%error "):
                if line.startswith("%error "):
                    raise TermError("; ".join(lines) or "tmux error")
                return lines
            lines.append(line)

    def send_raw(self, line: str) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(line.encode() + b"\n")
        self._proc.stdin.flush()

    def command(self, *args: str) -> list[str]:
        """Run one tmux command; its output lines."""
        self.send_raw(" ".join(_quote(a) for a in args))
        return self._read_block()

    def close(self) -> None:
        """Stop the server and everything in it."""
        try:
            self.send_raw("kill-server")
            self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired, TermError):
            self._proc.kill()
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"],
            capture_output=True,
            check=False,
        )
        self.socket_path.unlink(missing_ok=True)

    # ---------------------------------------------------------------- sessions

    def start(self, argv: Sequence[str], env: dict[str, str], pipe: Path) -> tuple[str, float]:
        """Start ``argv`` (with exactly ``env``) in a new session, output copied to ``pipe``.

        Returns the session's target and the moment (``perf_counter``) just before the
        command went to tmux: the start of the process, as far as the user is concerned.
        """
        self._count += 1
        name = f"run{self._count}"
        target = f"={name}:"
        pipe.write_bytes(b"")
        full = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv]
        line = " ".join(
            [
                "new-session -d",
                f"-s {name} -x {self.width} -y {self.height} --",
                *(_quote(a) for a in full),
                # Same command line: tmux pipes the first byte the program writes.
                f"; pipe-pane -t {_quote(target)} -o {_quote('cat >> ' + _quote(str(pipe)))}",
            ]
        )
        started = time.perf_counter()
        self.send_raw(line)
        self._read_block()  # one reply per command of the line
        self._read_block()
        return target, started

    def capture(self, target: str) -> str:
        """The screen as text."""
        return "\n".join(self.command("capture-pane", "-p", "-t", target))

    def send_keys(self, target: str, *keys: str, literal: bool = False) -> float:
        """Send keys; the moment they went to tmux."""
        args = ["send-keys", "-t", target, *(["-l"] if literal else []), *keys]
        started = time.perf_counter()
        self.send_raw(" ".join(_quote(a) for a in args))
        self._read_block()
        return started

    def pane_pid(self, target: str) -> int:
        return int(self.command("display-message", "-p", "-t", target, "#{pane_pid}")[0])

    def alive(self, target: str) -> bool:
        names = self.command("list-sessions", "-F", "#{session_name}")
        return target.strip("=:") in names

    def stop(self, target: str, key: str = "q", timeout: float = 10.0) -> bool:
        """Quit the program with ``key``; whether it left by itself in time."""
        self.send_keys(target, key)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive(target):
                return True
            time.sleep(0.02)
        self.command("kill-session", "-t", target)
        return False

    # ---------------------------------------------------------------- waiting

    def wait(
        self,
        target: str,
        pipe: Path,
        since: float,
        *,
        screen_ok: Callable[[str], bool] | None = None,
        file: Path | None = None,
        quiet: float = 0.15,
        timeout: float = 60.0,
        need_output: bool = True,
    ) -> KeyTiming:
        """Wait for what a key press (or a start) sent at ``since`` causes.

        Done when the awaited text is on screen (if any), the file changed (if any), output
        came (if ``need_output``) and then nothing more for ``quiet`` seconds. Raises
        :class:`TermError` on timeout, with the screen as it was.
        """
        result = KeyTiming()
        size = pipe.stat().st_size
        start_size = size
        fingerprint = _fingerprint(file) if file is not None else None
        last_growth: float | None = None
        need_capture = screen_ok is not None
        last_capture = 0.0
        deadline = since + timeout
        screen = ""
        while True:
            now = time.perf_counter()
            current = pipe.stat().st_size
            if current != size:
                size = current
                last_growth = now
                if result.first is None:
                    result.first = now - since
                need_capture = screen_ok is not None and result.screen is None
            if file is not None and result.file is None and _fingerprint(file) != fingerprint:
                result.file = now - since
            if screen_ok is not None and result.screen is None:
                if need_capture or now - last_capture > RECAPTURE:
                    need_capture = False
                    last_capture = now
                    screen = self.capture(target)
                    if screen_ok(screen):
                        result.screen = (last_growth or now) - since
            waiting = (
                (screen_ok is not None and result.screen is None)
                or (file is not None and result.file is None)
                or (need_output and last_growth is None)
            )
            if not waiting and (last_growth is None or now - last_growth >= quiet):
                break
            if now > deadline:
                raise TermError(f"timed out after {timeout:.0f} s; the screen:\n{screen}")
            time.sleep(POLL)
        if last_growth is not None:
            result.last = last_growth - since
        result.bytes = size - start_size
        return result

    def settle(self, pipe: Path, quiet: float = 0.3, timeout: float = 30.0) -> None:
        """Wait until the program has written nothing for ``quiet`` seconds."""
        size = pipe.stat().st_size
        last = time.perf_counter()
        deadline = last + timeout
        while True:
            time.sleep(0.005)
            now = time.perf_counter()
            current = pipe.stat().st_size
            if current != size:
                size, last = current, now
            elif now - last >= quiet or now > deadline:
                return


def peak_rss_kib(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of a process, in KiB: its peak and current resident memory."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0])
    return values["VmHWM"], values["VmRSS"]
