"""``cancelboard serve``: the same board in a web browser, through textual-serve.

It has no authentication of its own, so it listens on loopback unless told otherwise
(reach it from a laptop with ``ssh -L 8000:127.0.0.1:8000 server``).
"""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys
from pathlib import Path


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fail(message: str) -> int:
    print(f"cancelboard: error: {message}", file=sys.stderr)
    return 2


def check_address(host: str, port: int) -> str | None:
    """Why ``host``:``port`` cannot be listened on (None: it can), found by binding it
    before the server starts: a port in use, out of range, or a host that is not this
    machine's ended in a traceback after 'Serving ...' was said."""
    if not 0 < port < 65536:
        return f"--port: {port} is not a port (1 to 65535)"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return f"--host: {host!r} is not an address of this machine"
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        why = (error.strerror or str(error)).lower()
        return f"--port: cannot listen on {host}:{port}: {why}"
    return None


def serve(db: Path, host: str, port: int) -> int:
    """Serve the board until interrupted; returns the exit code."""
    problem = check_address(host, port)
    if problem is not None:
        return _fail(problem)
    try:
        from textual_serve.server import Server
    except ImportError:
        return _fail("serve needs textual-serve (pip install textual-serve)")
    if not is_loopback(host):
        print(
            f"cancelboard: warning: serving on {host}: anyone who can reach this address can"
            " read and change the board (there is no login); prefer 127.0.0.1 and an SSH tunnel",
            file=sys.stderr,
        )
    command = shlex.join([sys.executable, "-m", "tui", "--db", str(db)])
    print(f"Serving {db} on http://{host}:{port} (ctrl+c stops)", file=sys.stderr)
    try:
        Server(command, host=host, port=port, title="Cancelboard").serve()
    except OSError as error:  # taken between the check and now
        return _fail(f"--port: cannot listen on {host}:{port}: {error.strerror or error}")
    return 0
