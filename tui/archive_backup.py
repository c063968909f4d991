"""Today's backup of a board's archive, in a process of its own.

``python -m tui.archive_backup BOARD_FILE`` makes it if it is due (see
:meth:`tui.store.Store.daily_archive_backup`). The app runs it once its board is drawn:
checking that years of closed orders still load means reading all of them, ~0.3 s at
10,000 orders that no longer delay the first paint or hold the event loop, and ~100 MB
that Python would have kept for the rest of the session. Exit 0 when the backup is made
or none is due (a damaged archive is not backed up: ``cancelboard doctor`` reports it);
1 with one line on stderr when it cannot be made.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from tui.store import Store, StoreError
from tui.text import clean_line


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tui.archive_backup BOARD_FILE", file=sys.stderr)
        return 2
    gc.disable()  # one parse, then exit: the collector would only walk it again and again
    try:
        Store(Path(argv[0])).daily_archive_backup()
    except StoreError as error:
        print(clean_line(str(error)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
