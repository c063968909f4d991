"""The ``cancelboard`` command: opens the board, or runs one change or report and exits.

Only opening the board imports Textual; every other subcommand stays light and fast.
Bad input prints one line naming the field and exits with 2, having written nothing.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import orjson

from tui import __version__, domain, quicklist
from tui.board import Board, ConflictError
from tui.config import load_config
from tui.domain import Direction, EntryKind, Initiator, Move, Order, OrderDraft, Outcome, Stage
from tui.store import Store, StoreError
from tui.text import cell_width, format_amount, shorten_cells

if TYPE_CHECKING:
    import argparse  # imported when a command is parsed: opening the board needs none

EXIT_USAGE = 2


class UsageError(Exception):
    """A bad argument: reported in one line, exit code 2."""


def _db_option(parser: argparse.ArgumentParser) -> None:
    import argparse

    parser.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="board file (default: $CANCELBOARD_DB, else the user data dir)",
    )


def default_db() -> Path:
    """``$CANCELBOARD_DB``, else the platform's user data dir, ``cancelboard/board.json``."""
    return Path(quicklist.default_db())


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (every subcommand takes ``--db``)."""
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise UsageError(message)

    parser = _Parser(
        prog="cancelboard",
        description="A terminal board for Fiverr orders heading for cancellation.",
        epilog="Without a command, opens the board.",
    )
    parser.add_argument("--version", action="version", version=f"cancelboard {__version__}")
    _db_option(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    add = sub.add_parser("add", help="add an order in 'Talk to buyer'")
    add.add_argument("order", help="Fiverr's order number, e.g. FO5B2A1C3D4E")
    add.add_argument("--buyer", required=True, help="the buyer's username")
    add.add_argument("--gig", default="", help="the gig's title")
    add.add_argument("--amount", default="", help="price, e.g. 25.00")
    add.add_argument("--currency", default="", help="three letters (default USD)")
    add.add_argument("--due", default="", help="due date, YYYY-MM-DD")
    add.add_argument("--ordered", default="", help="order date, YYYY-MM-DD")
    add.add_argument("--tags", default="", help="tags, e.g. '#late #repeat-buyer'")
    _db_option(add)

    lst = sub.add_parser("list", help="list orders (open ones by default)")
    which = lst.add_mutually_exclusive_group()
    which.add_argument("--stage", choices=[s.value for s in Stage], help="only this stage")
    which.add_argument("--all", action="store_true", help="include the archive")
    lst.add_argument("--json", action="store_true", help="a JSON array, for scripts")
    _db_option(lst)

    move = sub.add_parser("move", help="move an order to another stage")
    move.add_argument("order")
    move.add_argument(
        "stage",
        choices=[s.value for s in Stage],
        metavar="STAGE",
        help="one of: " + ", ".join(s.value for s in Stage),
    )
    move.add_argument(
        "--outcome",
        choices=[o.value for o in Outcome],
        metavar="O",
        help="one of: " + ", ".join(o.value for o in Outcome),
    )
    move.add_argument(
        "--reason",
        help="reason id, entering 'requested' (default other; required if the list has none)",
    )
    move.add_argument("--reason-text", help="free text about the reason")
    move.add_argument(
        "--initiator",
        choices=[i.value for i in Initiator],
        help="who asked, entering 'requested' (default me)",
    )
    move.add_argument("--ticket", help="CS ticket reference, entering 'review'")
    move.add_argument("--refund", help="refund amount, for partial-refund")
    _db_option(move)

    for name, what in (
        ("note", "a private note"),
        ("message", "a buyer message"),
        ("lesson", "a lesson learned"),
    ):
        cmd = sub.add_parser(name, help=f"add {what} to an order")
        cmd.add_argument("order")
        cmd.add_argument("text", help="the text ('-' reads standard input)")
        if name == "message":
            cmd.add_argument(
                "--from",
                dest="sender",
                choices=["buyer", "me"],
                default="buyer",
                help="who sent it (default buyer)",
            )
        if name == "lesson":
            cmd.add_argument("--tags", default="", help="tags for the lessons library")
        _db_option(cmd)

    hist = sub.add_parser("history", help="print an order's timeline")
    hist.add_argument("order")
    _db_option(hist)

    show = sub.add_parser("show", help="print an order with its notes, messages and lessons")
    show.add_argument("order")
    show.add_argument("--json", action="store_true")
    _db_option(show)
    exp = sub.add_parser("export", help="write the whole board as JSON, CSV or Markdown")
    exp.add_argument(
        "--format",
        choices=["json", "csv", "md"],
        help="json (complete), csv (for spreadsheets) or md (a report); default: from -o, else json",
    )
    exp.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    exp.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    _db_option(exp)

    imp = sub.add_parser("import", help="add orders from a JSON export or a CSV file")
    imp.add_argument(
        "file", metavar="FILE", help="a JSON export, or CSV with the export's columns ('-': stdin)"
    )
    imp.add_argument("--replace", action="store_true", help="overwrite orders already on the board")
    _db_option(imp)

    sts = sub.add_parser("stats", help="why orders get cancelled and what it costs")
    sts.add_argument("--json", action="store_true", help="a JSON object, for scripts")
    _db_option(sts)

    doctor = sub.add_parser(
        "doctor", help="check a board file: does it load, backups, leftovers (exit 2: damaged)"
    )
    fix = doctor.add_mutually_exclusive_group()
    fix.add_argument(
        "--restore",
        action="store_true",
        help="replace a damaged board with the newest backup that loads (the damaged file is kept)",
    )
    fix.add_argument(
        "--forget-archive",
        action="store_true",
        help="give up a missing archive no backup brings back (closing works again)",
    )
    _db_option(doctor)
    srv = sub.add_parser("serve", help="serve the board in a web browser (textual-serve)")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    _db_option(srv)
    return parser


# ----------------------------------------------------------------------------- commands


def _text_arg(text: str) -> str:
    """The text given, or with '-' read from standard input: UTF-8, or a one-line error
    (bytes that are not were dropped when the text was cleaned: 'café' became 'caf')."""
    if text != "-":
        return text
    raw = sys.stdin.buffer.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise domain.ValidationError(
            "text", f"not UTF-8 text (byte {error.start + 1} of standard input)"
        ) from None


PATH_ARGS = frozenset({"db", "file", "output"})
"""Arguments naming files: any bytes the file system allows (not text to store)."""
POSITIONALS = frozenset({"order", "text", "stage"})
"""Arguments given without an option: an error names them in capitals (``TEXT``)."""


def _not_utf8(args: argparse.Namespace) -> str | None:
    """The error for a text argument holding bytes that are not UTF-8 (Python keeps them
    as lone surrogates; cleaning the text dropped them), or None."""
    for name, value in vars(args).items():
        if name in PATH_ARGS or not isinstance(value, str):
            continue
        for index, char in enumerate(value):
            if "\udc80" <= char <= "\udcff":
                what = OPTION_OF_FIELD.get(name) or (
                    name.upper() if name in POSITIONALS else "--" + name.replace("_", "-")
                )
                return f"{what}: not UTF-8 text (byte {index + 1})"
    return None


def _cmd_add(board: Board, args: argparse.Namespace) -> int:
    order = board.add_order(
        OrderDraft(
            number=args.order,
            buyer=args.buyer,
            gig=args.gig,
            amount=args.amount,
            currency=args.currency,
            due=args.due,
            order_date=args.ordered,
            tags=args.tags,
        )
    )
    print(f"added {order.number} ({order.buyer}) to {order.stage.label}")
    return 0


def order_json(order: Order, counts: dict[str, int]) -> dict[str, Any]:
    """The stable JSON shape of ``list --json``: an order (read without its entries and
    history, see :meth:`Board.summaries`) and how many notes, messages and lessons it has."""
    data = order.to_dict()
    for key in ("amount_cents", "refund_cents", "entries", "history"):
        data.pop(key)
    data["amount"] = order.amount
    data["refund"] = format_amount(order.refund_cents)
    data["notes"] = counts[EntryKind.NOTE.value]
    data["messages"] = counts[EntryKind.MESSAGE.value]
    data["lessons"] = counts[EntryKind.LESSON.value]
    return data


def _cmd_list(board: Board, args: argparse.Namespace) -> int:
    listed = board.summaries(archived=bool(args.all or args.stage == "closed"))
    if args.stage:
        listed = [(o, c) for o, c in listed if o.stage.value == args.stage]
    listed.sort(key=lambda pair: (pair[0].stage.position, pair[0].entered_stage_at))
    orders = [order for order, _ in listed]
    lessons = {order.number: counts[EntryKind.LESSON.value] for order, counts in listed}
    if args.json:
        found = [order_json(order, counts) for order, counts in listed]
        sys.stdout.buffer.write(orjson.dumps(found, option=orjson.OPT_INDENT_2) + b"\n")
        sys.stdout.flush()
        return 0
    if not orders:
        print("no orders" + ("" if args.all else " (open); --all includes the archive"))
        return 0
    now = board.clock()
    rows = [("ORDER", "BUYER", "AMOUNT", "STAGE", "IN STAGE", "")]
    for o in orders:
        # Listed without their entries: the count of lessons is the listing's.
        timer = domain.card_timer(o, now, board.settings, lessons=lessons[o.number])
        rows.append(
            (
                o.number,
                shorten_cells(o.buyer, 20),
                f"{o.amount} {o.currency}",
                o.stage.value,
                domain.format_age(o, now),
                timer.text if timer else "",
            )
        )
    widths = [max(cell_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell + " " * (w - cell_width(cell)) for cell, w in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 0


def _cmd_move(board: Board, args: argparse.Namespace) -> int:
    move = Move(
        to=Stage(args.stage),
        outcome=Outcome(args.outcome) if args.outcome else None,
        reason=args.reason,
        reason_text=args.reason_text,
        initiator=Initiator(args.initiator) if args.initiator else None,
        ticket=args.ticket,
        refund=args.refund,
    )
    order = board.move(args.order, move)
    tail = f", outcome {order.outcome.value}" if order.outcome else ""
    print(f"moved {order.number} to {order.stage.label}{tail}")
    return 0


def _cmd_entry(board: Board, args: argparse.Namespace) -> int:
    kind = EntryKind(args.command)
    direction = None
    if kind is EntryKind.MESSAGE:
        direction = Direction.FROM_BUYER if args.sender == "buyer" else Direction.TO_BUYER
    board.add_entry(
        args.order,
        kind,
        _text_arg(args.text),
        direction=direction,
        tags=getattr(args, "tags", None),
    )
    print(f"added a {kind.value} to {args.order.strip().upper()}")
    return 0


def _cmd_history(board: Board, args: argparse.Namespace) -> int:
    print(domain.history_text(board.get(args.order)))
    return 0


def _cmd_show(board: Board, args: argparse.Namespace) -> int:
    order = board.get(args.order)
    if args.json:
        print(json.dumps(order.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{order.number}  {order.buyer}  {order.amount} {order.currency}  [{order.stage.label}]")
    reasons = dict(board.reasons())
    facts = [
        ("gig", order.gig),
        ("ordered", order.order_date.isoformat() if order.order_date else ""),
        ("due", order.due.isoformat() if order.due else ""),
        ("tags", " ".join(f"#{tag}" for tag in order.tags)),
        ("reason", reasons.get(order.reason, order.reason) if order.reason else ""),
        ("about it", order.reason_text),
        ("asked by", order.initiator.value if order.initiator else ""),
        ("CS ticket", order.ticket),
        ("outcome", order.outcome.label if order.outcome else ""),
        (
            "refund",
            f"{format_amount(order.refund_cents)} {order.currency}" if order.refund_cents else "",
        ),
        ("follow up by", order.follow_up_due.isoformat() if order.follow_up_due else ""),
        ("next CS check", order.next_check.isoformat() if order.next_check else ""),
    ]
    for name, value in facts:
        if value:
            print(f"{name}: {value}")
    for kind, title in (
        (EntryKind.NOTE, "Notes"),
        (EntryKind.MESSAGE, "Buyer messages"),
        (EntryKind.LESSON, "Lessons"),
    ):
        print(f"\n{title}:")
        for entry in order.entries_of(kind):
            who = f" ({entry.direction.label})" if entry.direction else ""
            print(f"- {entry.at.astimezone():%Y-%m-%d %H:%M}{who}: {entry.text}")
    return 0


def _cmd_export(board: Board, args: argparse.Namespace) -> int:
    from tui.exchange import (
        ExchangeError,
        check_output,
        export_board,
        format_for_path,
        write_private,
    )

    output = args.output if args.output not in (None, "-") else None
    fmt = args.format or (format_for_path(output) if output else None) or "json"
    owned = board.store.owns(output) if output is not None else None
    if owned is not None:
        return _fail(f"output: {output} is {owned} (even --force will not overwrite it)")
    try:
        if output is not None:
            check_output(output, force=args.force)  # refuse before the work of exporting
        text = export_board(board, fmt)
        if output is None:
            sys.stdout.write(text)
            return 0
        path = write_private(output, text, force=args.force)
    except ExchangeError as error:
        return _fail(str(error))
    print(_one_line(f"exported the board to {path} ({fmt})"))
    return 0


def _cmd_import(board: Board, args: argparse.Namespace) -> int:
    from tui.exchange import ExchangeError, read_import, source_name

    try:
        data = read_import(args.file, board.clock())
    except ExchangeError as error:
        return _fail(str(error))
    try:
        report = board.import_orders(
            data.orders,
            lessons=data.lessons,
            reasons=data.reasons,
            templates=data.templates,
            replace=args.replace,
            merge=data.onto,
        )
    except ExchangeError as error:  # a row that does not fit the board's order
        return _fail(f"{source_name(args.file)}: {error}")
    print("\n".join(report.lines()))
    return 0


def _cmd_stats(board: Board, args: argparse.Namespace) -> int:
    import shutil

    from tui.stats import render_text, to_json

    result = board.stats()
    if args.json:
        print(json.dumps(to_json(result), ensure_ascii=False, indent=2))
        return 0
    width = min(120, max(40, shutil.get_terminal_size((80, 24)).columns))
    sys.stdout.write(render_text(result, width))
    return 0


COMMANDS = {
    "add": _cmd_add,
    "list": _cmd_list,
    "move": _cmd_move,
    "note": _cmd_entry,
    "message": _cmd_entry,
    "lesson": _cmd_entry,
    "history": _cmd_history,
    "show": _cmd_show,
    "export": _cmd_export,
    "import": _cmd_import,
    "stats": _cmd_stats,
}


def _cmd_doctor(board: Board, args: argparse.Namespace) -> int:
    from tui.doctor import doctor

    return doctor(board.store, restore=args.restore, forget_archive=args.forget_archive)


COMMANDS["doctor"] = _cmd_doctor


OPTION_OF_FIELD = {"reason_text": "--reason-text"}
"""A field whose command-line option is spelt otherwise: the error names the option."""


def _one_line(message: str) -> str:
    from tui.text import clean_line

    return " ".join(clean_line(message).split())


def _fail(message: str) -> int:
    # One line, whatever the message held (file names and order numbers typed can hold
    # newlines, and escape sequences that would reach the terminal).
    print(f"cancelboard: error: {_one_line(message)}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    board_file = _board_only(argv)
    if board_file is not None:
        return _open_board(Path(board_file or default_db()).expanduser())
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        return _fail(str(error))
    if (not_utf8 := _not_utf8(args)) is not None:
        return _fail(not_utf8)
    db = Path(getattr(args, "db", None) or default_db()).expanduser()
    if args.command is None:
        return _open_board(db)
    if args.command == "serve":
        gc.enable()  # a server runs on: the collector's off only for starts and one-shots
        from tui.serve import serve

        return serve(db, args.host, args.port)
    # A one-shot command allocates a little and exits: collection is pure overhead (on a
    # 10,000-order board, half the time of parsing the file went to the collector).
    gc.disable()
    config, config_error = load_config()
    if config_error and args.command != "serve":
        print(f"cancelboard: warning: {_one_line(config_error)}", file=sys.stderr)
    try:
        board = Board(Store(db), settings=config.settings)
        code = COMMANDS[args.command](board, args)
        sys.stdout.flush()  # here, where its error is caught: not at exit, in a traceback
        return code
    except domain.ValidationError as error:
        option = OPTION_OF_FIELD.get(error.field)
        return _fail(f"{option}: {error.message}" if option else str(error))
    except (ConflictError, StoreError) as error:
        return _fail(str(error))
    except BrokenPipeError:
        # `cancelboard list | head`: the reader left; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        if error.filename is not None:
            raise  # a file's error, not the output's: no store error covered it
        # Standard output cannot be written (`list > /dev/full`): what was printed is cut
        # short, and the rest must not be flushed again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _fail(f"cannot write the output: {error.strerror or error}")


def _board_only(argv: list[str]) -> str | None:
    """The board file asked for ("" for the default) when ``argv`` only opens the board
    (nothing, ``--db PATH`` or ``--db=PATH``); None for anything else, which the parser
    reads. Importing argparse and building the parser is ~4 ms of opening the board."""
    if not argv:
        return ""
    if len(argv) == 2 and argv[0] == "--db":
        path = argv[1]
    elif len(argv) == 1 and argv[0].startswith("--db="):
        path = argv[0].removeprefix("--db=")
    else:
        return None
    return path if path and not path.startswith("-") else None


def _cards_per_column() -> int:
    """More cards than a column of the terminal can show: a card takes three lines at
    least (number, buyer, money), and a divider under it; one more, so that they take more
    lines than the terminal has (a list's scrollbar shows from the first layout, see
    ``CardList._overflow_before_layout``). The terminal's height as Textual
    reads it (``shutil.get_terminal_size``: ``LINES``, then standard output's terminal,
    else 24), without importing shutil for it."""
    rows = 0
    with suppress(ValueError):
        rows = int(os.environ.get("LINES", 0))
    if rows <= 0:
        try:
            rows = os.get_terminal_size(sys.__stdout__.fileno()).lines  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            rows = 0
    return (rows if rows > 0 else 24) // 4 + 2


def _open_board(db: Path) -> int:
    store = Store(db)
    # Loading allocates many objects that all live on: the collector would only walk them
    # again and again (a third of reading a big board). It is back on before Textual runs.
    gc.disable()
    try:
        # Refuses a damaged or foreign file (untouched), tidies leftovers, daily backup
        # (the archive's once the board is drawn: checking it means reading all of it).
        store.open(archive_backup=False)
        board = Board(store)
        # Entries and history wait until the board is drawn (BoardScreen reads them then).
        board.lazy_details = True
        # A damaged open order is refused here, not mid-session: the ones the first paint
        # shows (all of them on a board that fits the terminal), and any whose stage or
        # time in it cannot be read; the others, and entries and history, once the board
        # is drawn. The archive is checked when it is shown (converting 9,000 archived
        # orders cost ~1 s at start).
        board.first_cards = board.first_orders(_cards_per_column())
        if board.first_cards is None:
            board.orders()
    except StoreError as error:
        gc.enable()
        return _fail(str(error))
    # What was loaded lives as long as the session: out of the collector's sight (else
    # its first pass walks every object made while it was off: ~50 ms). It stays off
    # until the board is drawn: the app's start makes objects that live on, and passes
    # over them cost a tenth of the start at 10,000 orders (~26 ms).
    gc.freeze()
    from tui.app import CancelboardApp
    from tui.terminal_input import clean_pasted_sequences, tolerate_invalid_input

    tolerate_invalid_input()
    clean_pasted_sequences()

    config, config_error = load_config()
    board.settings = config.settings
    app = CancelboardApp(board, config=config)
    app.board_names.append(os.path.abspath(db))
    app.collector_paused = True  # frozen and back on once the first frame is written
    if config_error:
        app.startup_notices.append(config_error)
    app.startup_notices.extend(store.open_notices)
    app.run()
    if app.fatal_error_message:
        return _fail(app.fatal_error_message)
    # A crash inside the app must not look like a clean exit to scripts and ssh.
    return app.return_code or 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
