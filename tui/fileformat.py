"""The names in a board's files: what the store writes, and the quick listing reads
without loading the store (see :mod:`tui.store` for the layout).
"""

APP = "cancelboard"
SCHEMA = 2
"""The file layout this program writes. Older files migrate forward; newer are refused.

1: one file. 2: closed orders in the archive file beside the board file."""

ORDERS = "orders"
LESSONS = "lessons"
TEMPLATES = "templates"
META = "meta"
SETTINGS = "settings"
ARCHIVED = "archived"
"""Board-file table: one document listing the order numbers in the archive (sorted), so a
number not on the board is known to be new without reading the archive."""
TO_ARCHIVE = "to-archive"
"""In-memory only: closed orders a migration took off the board file, on their way to the
archive (the next write puts them there). Never written under this name."""
CLOSED = "closed"
"""The stage of archived orders (the domain's ``Stage.CLOSED``)."""
ARCHIVE_ROLE = "archive"
"""``role`` in an archive file's meta: it is not a board file itself."""
