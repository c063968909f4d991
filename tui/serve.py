"""``cancelboard serve``: the same board in a web browser, through textual-serve.

It has no authentication of its own, so it listens on loopback unless told otherwise
(reach it from a laptop with ``ssh -L 8000:127.0.0.1:8000 server``).
"""

from __future__ import annotations

import ipaddress
import shlex
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


def serve(db: Path, host: str, port: int) -> int:
    """Serve the board until interrupted; returns the exit code."""
    try:
        from textual_serve.server import Server
    except ImportError:
        print(
            "cancelboard: error: serve needs textual-serve (pip install textual-serve)",
            file=sys.stderr,
        )
        return 2
    if not is_loopback(host):
        print(
            f"cancelboard: warning: serving on {host}: anyone who can reach this address can"
            " read and change the board (there is no login); prefer 127.0.0.1 and an SSH tunnel",
            file=sys.stderr,
        )
    command = shlex.join([sys.executable, "-m", "tui", "--db", str(db)])
    print(f"Serving {db} on http://{host}:{port} (ctrl+c stops)", file=sys.stderr)
    Server(command, host=host, port=port, title="Cancelboard").serve()
    return 0
