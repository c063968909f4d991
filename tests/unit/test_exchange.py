"""Export and import: round trips, hostile text in every format, and errors that write nothing."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import stat
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_stats import NOW, known_board
from tui.board import Board
from tui.domain import Direction, EntryKind, Move, OrderDraft, Outcome, Stage
from tui.exchange import (
    CSV_COLUMNS,
    ExchangeError,
    ImportReport,
    csv_row,
    csv_safe,
    csv_unsafe,
    export_board,
    export_csv,
    md_inline,
    parse_import,
    read_import,
    write_private,
)
from tui.store import Store

HOSTILE_NOTE = (
    "# Not a heading\n"
    "## nor this ##\n"
    "- not a list\n"
    "1. not a numbered list\n"
    "> not a quote\n"
    "    not code\n"
    "```\nnot a fence\n```\n"
    "---\n"
    "| not | a table |\n"
    "|---|---|\n"
    "<script>alert(1)</script> <b>bold</b> &amp;\n"
    "[link](javascript:alert(1)) ![img](x.png) <http://example.com>\n"
    "*stars* _under_ `tick` ~~strike~~\n"
    "=\n"
    "\x1b]52;c;Y2xpcA==\x07tail and a \x1b[31mred\x1b[0m word"
)


def rich_board(path: Path) -> Board:
    """The known board plus every kind of text and field an export must carry."""
    board = known_board(path)
    reasons = board.reasons() + [("late-brief", "The brief came late")]
    board.set_reasons(reasons)
    board.add_order(
        OrderDraft(
            "FO_X_1",
            "=cmd|' /C calc'!A0",
            gig="@SUM(1+1) logo | *bold*",
            amount="12.34",
            currency="GBP",
            due="2026-12-01",
            order_date="2026-11-20",
            tags="#late -minus +plus",
        )
    )
    board.add_entry("FO_X_1", EntryKind.NOTE, HOSTILE_NOTE)
    board.add_entry(
        "FO_X_1", EntryKind.MESSAGE, "Hi!\n\nCan we talk?", direction=Direction.TO_BUYER
    )
    board.add_entry("FO_X_1", EntryKind.MESSAGE, "+1 from me", direction=Direction.FROM_BUYER)
    board.move(
        "FO_X_1",
        Move(to=Stage.REQUESTED, reason="late-brief", reason_text="-2 days late; =wrong"),
    )
    board.move("FO_X_1", Move(to=Stage.REVIEW, ticket="#12345"))
    board.add_general_lesson("Ask for the brief\nbefore starting", tags="brief")
    board.add_general_lesson("# keep it short")
    return board


def make_board(path: Path) -> Board:
    return Board(Store(path), clock=lambda: NOW)


def do_import(board: Board, path: Path, *, replace: bool = False) -> ImportReport:
    data = read_import(path, NOW)
    return board.import_orders(
        data.orders, lessons=data.lessons, reasons=data.reasons, replace=replace, merge=data.onto
    )


def dump(board: Board) -> list[dict[str, Any]]:
    return [o.to_dict() for o in board.orders(archived=True)]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Board:
    return rich_board(tmp_path_factory.mktemp("source") / "board.json")


# ----------------------------------------------------------------------------- round trips


def test_json_round_trip_gives_the_same_board(source: Board, tmp_path: Path) -> None:
    exported = tmp_path / "board-export.json"
    exported.write_text(export_board(source, "json"))
    target = make_board(tmp_path / "target.json")

    report = do_import(target, exported)

    assert report.added == tuple(o.number for o in source.orders(archived=True))
    assert report.lessons_added == 2 and report.reasons_added == ("late-brief",)
    assert dump(target) == dump(source)
    assert [e.to_dict() for e in target.general_lessons()] == [
        e.to_dict() for e in source.general_lessons()
    ]
    assert target.reasons() == source.reasons()
    assert export_board(target, "json") == export_board(source, "json")


def test_json_export_is_versioned_and_complete(source: Board) -> None:
    doc = json.loads(export_board(source, "json"))
    assert (doc["format"], doc["version"]) == ("cancelboard-export", 1)
    assert doc["exported_at"] == "2026-11-26T12:00:00+00:00"
    foa = next(o for o in doc["orders"] if o["order"] == "FOA")
    assert [h["action"] for h in foa["history"]] == [
        "created",
        "note",
        "moved",
        "moved",
        "moved",
        "lesson",
        "closed",
    ]
    assert {e["kind"] for e in foa["entries"]} == {"note", "lesson"}
    assert len(doc["lessons"]) == 2
    assert {"id": "late-brief", "label": "The brief came late"} in doc["reasons"]


def test_importing_the_same_file_twice_does_not_duplicate(source: Board, tmp_path: Path) -> None:
    exported = tmp_path / "export.json"
    exported.write_text(export_board(source, "json"))
    target = make_board(tmp_path / "target.json")
    do_import(target, exported)
    before = target.store.path.read_bytes()

    again = do_import(target, exported)

    assert again.added == () and again.skipped == ()
    assert len(again.unchanged) == len(source.orders(archived=True))
    assert again.lessons_added == 0 and again.lessons_skipped == 2
    assert not again.changed
    assert target.store.path.read_bytes() == before
    assert len(target.orders(archived=True)) == len(source.orders(archived=True))


def test_same_order_number_is_skipped_or_replaced(source: Board, tmp_path: Path) -> None:
    target = make_board(tmp_path / "target.json")
    exported = tmp_path / "export.json"
    exported.write_text(export_board(source, "json"))
    do_import(target, exported)
    old = target.get("FOA")
    doc = json.loads(exported.read_text())
    doc["orders"][0]["buyer"] = "alice-renamed"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(doc))
    before = target.store.path.read_bytes()

    skipped = do_import(target, changed)
    assert skipped.skipped == ("FOA",) and skipped.added == ()
    assert "(--replace overwrites them): FOA" in "\n".join(skipped.lines())
    assert target.store.path.read_bytes() == before

    replaced = do_import(target, changed, replace=True)
    assert replaced.replaced == ("FOA",)
    now = target.get("FOA")
    assert now.buyer == "alice-renamed"
    assert now.revision > old.revision  # sessions showing the old card get a conflict
    assert replaced.backup is not None and Path(replaced.backup).read_bytes() == before
    assert target.get("FOB").to_dict() == source.get("FOB").to_dict()


def test_csv_round_trip_keeps_the_columns(source: Board, tmp_path: Path) -> None:
    exported = tmp_path / "export.csv"
    text = export_board(source, "csv")
    exported.write_text(text, newline="")
    target = make_board(tmp_path / "target.json")

    report = do_import(target, exported)

    assert len(report.added) == len(source.orders(archived=True))
    assert export_board(target, "csv") == text
    for order in source.orders(archived=True):
        assert csv_row(target.get(order.number)) == csv_row(order)
    # What CSV does not carry is not invented: the history says it was imported.
    assert target.get("FOA").entries == ()
    assert [e.action for e in target.get("FOA").history] == ["imported"]


def test_csv_has_one_row_per_order_with_decimal_amounts(source: Board) -> None:
    rows = list(csv.DictReader(io.StringIO(export_board(source, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(source.orders(archived=True))
    foa = next(r for r in rows if r["order"] == "FOA")
    assert (foa["amount"], foa["refund"], foa["currency"]) == ("100.00", "100.00", "USD")
    assert (foa["stage"], foa["outcome"], foa["reason"]) == ("closed", "cancelled-mutual", "scope")


# ----------------------------------------------------------------------------- safety


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        "=1+1",
        "+1",
        "-1",
        "@A1",
        "\t=x",
        "'",
        "'abc",
        "'=x",
        "''=x",
        "''abc",
        "=",
        "a=b",
    ],
)
def test_csv_safe_is_reversible_and_never_starts_a_formula(value: str) -> None:
    cell = csv_safe(value)
    assert cell[:1] not in set("=+-@\t\r\n")
    assert csv_unsafe(cell) == value


def test_csv_export_neutralises_formulas(source: Board) -> None:
    rows = list(csv.reader(io.StringIO(export_board(source, "csv"))))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in set("=+-@\t\r")]
    x = dict(zip(rows[0], next(r for r in rows if r[0] == "FO_X_1"), strict=True))
    assert x["buyer"] == "'=cmd|' /C calc'!A0"
    assert x["gig"] == "'@SUM(1+1) logo | *bold*"
    assert x["reason_text"] == "'-2 days late; =wrong"
    assert x["tags"] == "late -minus +plus"  # starts with a letter: left alone


def test_markdown_report_cannot_be_broken_by_user_text(source: Board) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    text = export_board(source, "md")
    tokens = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    kinds = {t.type for t in tokens}
    for child in (c for t in tokens for c in (t.children or [])):
        kinds.add(child.type)
    for forbidden in (
        "html_block",
        "html_inline",
        "link_open",
        "image",
        "code_block",
        "fence",
        "table_open",
        "blockquote_open",
        "hr",
        "ordered_list_open",
        "code_inline",
        "em_open",
        "s_open",
    ):
        assert forbidden not in kinds, forbidden
    headings = [
        (t.tag, "".join(c.content for c in tokens[i + 1].children or [] if c.type == "text"))
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
    ]
    orders = source.orders(archived=True)
    assert [h for h in headings if h[0] == "h1"] == [("h1", "Cancelboard report")]
    assert sorted(c for tag, c in headings if tag == "h2") == sorted(
        [f"{o.number} · {o.buyer}" for o in orders] + ["General lessons"]
    )
    assert {c for tag, c in headings if tag == "h3"} <= {"Notes", "Messages", "Lessons", "Timeline"}
    assert "\x1b" not in text and "\x07" not in text
    html = markdown_it.MarkdownIt("commonmark").render(text)
    for literal in (
        "<br />\n# Not a heading<br />",
        "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt; &amp;amp;",
        "[link](javascript:alert(1)) ![img](x.png) &lt;http://example.com&gt;",
        "*stars* _under_ `tick` ~~strike~~",
        "\u00a0\u00a0\u00a0\u00a0not code",
    ):
        assert literal in html, literal


def test_markdown_report_has_a_section_per_order_with_its_entries(source: Board) -> None:
    text = export_board(source, "md")
    section = text.split("## FO\\_X\\_1")[1].split("\n## ")[0]
    for title in ("### Notes", "### Messages", "### Timeline"):
        assert title in section
    assert "- **Reason:** The brief came late, asked by me" in section
    assert "- **CS ticket:** \\#12345" in section
    assert "· to buyer  \n  Hi!\n\n  Can we talk?" in section
    assert "moved · Cancellation requested → Fiverr review" in section


def test_markdown_timeline_has_buyer_messages_whole(tmp_path: Path) -> None:
    # The report's timeline cut a buyer's message at 60 characters, as the history did.
    board = Board(Store(tmp_path / "b.json"), clock=lambda: NOW)
    board.add_order(OrderDraft("FO1", "jane"))
    says = "I cancel: the designer never replied to my three emails about the logo colours"
    board.add_entry("FO1", EntryKind.MESSAGE, says, direction=Direction.FROM_BUYER)
    board.add_entry("FO1", EntryKind.MESSAGE, "Hi,\nno reply.", direction=Direction.FROM_BUYER)
    timeline = export_board(board, "md").split("### Timeline")[1]
    assert f"· message · from buyer: {says}\n" in timeline
    assert "· message · from buyer: Hi,  \n  no reply.\n" in timeline


def test_md_inline_flattens_newlines_and_escapes() -> None:
    assert md_inline("a\n# b") == "a \\# b"
    assert md_inline("[x](y)") == "\\[x\\](y)"


# ----------------------------------------------------------------------------- errors

Mutation = Callable[[dict[str, Any]], Any]


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[Any, ...]) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _duplicate(doc: dict[str, Any]) -> None:
    doc["orders"].append(copy.deepcopy(doc["orders"][0]))


# Index 1 is FOB; each case leaves FOA (index 0) valid, so a partial write would show.
JSON_ERRORS: list[tuple[str, Mutation, str]] = [
    ("format", _set(("format",), "something-else"), "not a Cancelboard export"),
    ("newer", _set(("version",), 2), "version: written by a newer Cancelboard"),
    ("orders-type", _set(("orders",), {}), "orders: not a list"),
    ("amount-text", _set(("orders", 1, "amount_cents"), "5000"), "order FOB, amount_cents: not"),
    ("refund-negative", _set(("orders", 1, "refund_cents"), -1), "order FOB, refund_cents"),
    ("amount-float", _set(("orders", 1, "amount_cents"), 12.5), "order FOB, amount_cents"),
    (
        "partial-refund-whole",  # FOB: 50.00 EUR, partial refund: all of it is no partial one
        _set(("orders", 1, "refund_cents"), 5000),
        "order FOB, refund: a partial refund must be less than the order's 50.00 EUR",
    ),
    ("buyer-missing", _delete(("orders", 1, "buyer")), "order FOB, buyer: missing"),
    ("buyer-blank", _set(("orders", 1, "buyer"), "  "), "order FOB, buyer: required"),
    ("stage", _set(("orders", 1, "stage"), "doing"), "order FOB, stage: unknown value 'doing'"),
    ("closed-no-outcome", _set(("orders", 0, "outcome"), None), "order FOA, outcome: required"),
    ("outcome", _set(("orders", 1, "outcome"), "won"), "order FOB, outcome: unknown value"),
    ("currency", _set(("orders", 1, "currency"), "euro"), "order FOB, currency"),
    ("due", _set(("orders", 1, "due"), "2026-02-30"), "order FOB, due: no such date"),
    ("created", _set(("orders", 1, "created_at"), "yesterday"), "order FOB, created_at"),
    ("order-number", _set(("orders", 1, "order"), "FO 1!"), "orders item 2, order: use letters"),
    ("unknown-field", _set(("orders", 1, "colour"), "red"), "order FOB, colour: unknown field"),
    ("entry-kind", _set(("orders", 0, "entries", 0, "kind"), "memo"), "order FOA, entries[0].kind"),
    ("entry-text", _set(("orders", 0, "entries", 0, "text"), ""), "order FOA, entries[0].text"),
    ("history-at", _set(("orders", 1, "history", 1, "at"), 5), "order FOB, history[1].at"),
    ("history-to", _set(("orders", 1, "history", 1, "to"), "moon"), "order FOB, history[1].to"),
    ("revision", _set(("orders", 1, "revision"), 0), "order FOB, revision"),
    ("duplicate", _duplicate, "order FOA, order: FOA appears twice in the file"),
    ("lesson-kind", _set(("lessons", 0, "kind"), "note"), "lessons item 1, kind"),
    ("reason", _set(("reasons", 0), {"id": ""}), "reasons item 1, id: required"),
]

CSV_HEADER = "order,buyer,amount,due,stage,outcome,created_at\r\n"
CSV_GOOD_ROW = "FO1,ann,10.00,2026-12-01,talk,,2026-11-01T10:00:00+00:00\r\n"
CSV_ERRORS: list[tuple[str, str, str]] = [
    (
        "unknown-column",
        "order,buyer,colour\r\nFO1,ann,red\r\n",
        "row 1, column 3: unknown column 'colour'",
    ),
    ("twice", "order,buyer,buyer\r\n", "row 1, column 3: 'buyer' appears twice"),
    ("no-buyer", "order,amount\r\nFO1,1\r\n", "row 1: no 'buyer' column"),
    ("amount", "FO2,bo,1.234,,,,\r\n", "row 3 (FO2), amount: at most two decimals"),
    ("amount-text", "FO2,bo,ten,,,,\r\n", "row 3 (FO2), amount: not a non-negative number"),
    ("date", "FO2,bo,1,01/12/2026,,,\r\n", "row 3 (FO2), due: not a date in YYYY-MM-DD form"),
    ("stage", "FO2,bo,1,,doing,,\r\n", "row 3 (FO2), stage: unknown value 'doing'"),
    ("closed", "FO2,bo,1,,closed,,\r\n", "row 3 (FO2), outcome: required for a closed order"),
    ("time", "FO2,bo,1,,,,26/11/2026\r\n", "row 3 (FO2), created_at: not an ISO 8601 time"),
    ("buyer", "FO2,,1,,,,\r\n", "row 3 (FO2), buyer: required"),
    ("order", "F O,bo,1,,,,\r\n", "row 3, order: use letters"),
    ("duplicate", "FO1,bo,1,,,,\r\n", "row 3 (FO1), order: FO1 is also on row 2"),
    ("cells", "FO2,bo,1,,,,,extra\r\n", "row 3: 8 cells but 7 columns"),
]


@pytest.fixture
def target(tmp_path: Path) -> Board:
    board = make_board(tmp_path / "target.json")
    board.add_order(OrderDraft("FOZ", "zed", amount="1"))
    return board


def _assert_nothing_written(target: Board, run: Callable[[], Any], expected: str) -> None:
    folder = target.store.path.parent
    before = target.store.path.read_bytes()
    listing = sorted(p.name for p in folder.iterdir())
    with pytest.raises(ExchangeError) as caught:
        run()
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert target.store.path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == listing


@pytest.mark.parametrize(
    "mutate,expected", [c[1:] for c in JSON_ERRORS], ids=[c[0] for c in JSON_ERRORS]
)
def test_each_json_error_writes_nothing(
    source: Board, target: Board, tmp_path: Path, mutate: Mutation, expected: str
) -> None:
    doc = json.loads(export_board(source, "json"))
    mutate(doc)
    bad = tmp_path / "in" / "bad.json"
    bad.parent.mkdir()
    bad.write_text(json.dumps(doc))
    _assert_nothing_written(target, lambda: do_import(target, bad), expected)


@pytest.mark.parametrize(
    "body,expected", [c[1:] for c in CSV_ERRORS], ids=[c[0] for c in CSV_ERRORS]
)
def test_each_csv_error_writes_nothing(
    target: Board, tmp_path: Path, body: str, expected: str
) -> None:
    text = body if body.startswith("order,") else CSV_HEADER + CSV_GOOD_ROW + body
    bad = tmp_path / "in" / "bad.csv"
    bad.parent.mkdir()
    bad.write_text(text, newline="")
    _assert_nothing_written(target, lambda: do_import(target, bad), expected)


@pytest.mark.parametrize(
    "name,raw,expected",
    [
        ("syntax.json", b'{"format": ', "not valid JSON"),
        ("empty.csv", b"", "the file is empty"),
        ("latin1.csv", "order,buyer\nFO1,Jos\xe9\n".encode("latin-1"), "not UTF-8 text"),
        ("report.md", b"# Cancelboard report\n", "Markdown reports cannot be imported"),
        ("list.json", b"[]", "not a Cancelboard export"),
    ],
)
def test_unreadable_files_write_nothing(
    target: Board, tmp_path: Path, name: str, raw: bytes, expected: str
) -> None:
    bad = tmp_path / "in" / name
    bad.parent.mkdir()
    bad.write_bytes(raw)
    _assert_nothing_written(target, lambda: do_import(target, bad), f"{bad}: {expected}")


def test_missing_file_and_folder(target: Board, tmp_path: Path) -> None:
    _assert_nothing_written(
        target, lambda: do_import(target, tmp_path / "nope.csv"), "no such file"
    )
    _assert_nothing_written(target, lambda: do_import(target, tmp_path), "is a folder")


def test_csv_import_takes_a_bom_blank_rows_and_spreadsheet_quotes(
    target: Board, tmp_path: Path
) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes(
        "\ufefforder,buyer,gig,amount,stage,outcome,tags,\r\n"
        "fo7,'=ann,'+gig,\"1,234.50\",closed,saved,#late,\r\n"
        ",,,,,,,\r\n".encode()
    )
    report = do_import(target, path)
    assert report.added == ("FO7",)
    order = target.get("FO7")
    assert (order.buyer, order.gig, order.amount_cents) == ("=ann", "+gig", 123450)
    assert (order.stage, order.outcome, order.tags) == (Stage.CLOSED, Outcome.SAVED, ("late",))
    assert order.created_at == NOW and order.entered_stage_at == NOW


# ----------------------------------------------------------------------------- writing files


def test_write_private_refuses_an_existing_file_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("keep me")
    out.chmod(0o644)
    with pytest.raises(ExchangeError, match="already exists"):
        write_private(out, "new")
    assert out.read_text() == "keep me"

    write_private(out, "new", force=True)
    assert out.read_text() == "new"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temp file left


def test_write_private_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = write_private(tmp_path / "board.md", "# report\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_private_refuses_a_dangling_symlink_and_a_missing_folder(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(ExchangeError, match="already exists"):
        write_private(link, "{}")
    assert not (tmp_path / "elsewhere.json").exists()
    with pytest.raises(ExchangeError, match="no such folder"):
        write_private(tmp_path / "no" / "such.json", "{}")


def test_export_csv_of_nothing_is_just_the_header() -> None:
    assert export_csv([]) == ",".join(CSV_COLUMNS) + "\r\n"


def test_a_sheet_imported_again_later_is_identical_and_a_replace_keeps_the_boards_times(
    tmp_path: Path,
) -> None:
    # A row's empty times and its history's import record come from the import's clock:
    # the same sheet a few seconds later must not count as changed data (it did whenever
    # two imports fell in different seconds), and replacing keeps what the board knows.
    sheet = "order,buyer,amount\nFO1,ann,5\nFO2,bo,7.50\n"
    board = make_board(tmp_path / "board.json")

    def imported(text: str, at: datetime, *, replace: bool = True) -> ImportReport:
        data = parse_import(text.encode(), at, hint="csv")
        assert set(data.given) == {order.number for order in data.orders}
        assert all(not given & {"created_at", "history"} for given in data.given.values())
        return board.import_orders(data.orders, replace=replace, merge=data.onto)

    assert imported(sheet, NOW).added == ("FO1", "FO2")
    first = board.get("FO1")
    before = board.store.path.read_bytes()
    again = imported(sheet, NOW + timedelta(seconds=5))
    assert (again.unchanged, again.replaced, again.backup) == (("FO1", "FO2"), (), None)
    assert board.store.path.read_bytes() == before

    renamed = imported(sheet.replace("ann", "ann-new"), NOW + timedelta(hours=1))
    assert (renamed.replaced, renamed.unchanged) == (("FO1",), ("FO2",))
    now = board.get("FO1")
    assert now.buyer == "ann-new" and now.revision > first.revision
    assert (now.created_at, now.entered_stage_at, now.history[:-1]) == (
        first.created_at,
        first.entered_stage_at,
        first.history,
    )
    assert now.history[-1].describe() == "imported · from CSV: buyer ann -> ann-new"
    # Moved to another stage by the sheet: it entered that stage at the import.
    later = NOW + timedelta(hours=2)
    imported("order,buyer,amount,stage\nFO2,bo,7.50,requested\n", later)
    moved = board.get("FO2")
    assert moved.stage is Stage.REQUESTED and moved.entered_stage_at == later
    assert moved.created_at == NOW
