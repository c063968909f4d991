"""``list --json`` answered without the domain: the same bytes as the full command, or None.

The quick path may decline any board (then the full command runs); it must never print
something the full command would not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import FROZEN
from tests.unit.test_exchange import rich_board
from tui import listjson, quicklist
from tui.board import Board
from tui.cli import main
from tui.domain import (
    OPEN_STAGES,
    EntryKind,
    Initiator,
    Move,
    OrderDraft,
    Outcome,
    Stage,
    new_order,
)
from tui.quicklist import quick_list_json, wanted
from tui.store import Store

Doc = dict[str, Any]


def full(db: Path, capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> bytes | None:
    """What the full command prints for ``list --json`` (None when it fails)."""
    capsysbinary.readouterr()
    code = main(["list", "--json", "--db", str(db), *args])
    out = capsysbinary.readouterr().out
    return out if code == 0 else None


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A board with every stage, outcome, kind of entry and field filled in some order."""
    path = tmp_path_factory.mktemp("quick") / "board.json"
    board = rich_board(path)
    board.add_order(
        OrderDraft("FOCJK1", "王小明 🎨", gig="ロゴ", amount="1234.50", currency="JPY", tags="#大")
    )
    board.add_entry("FOCJK1", EntryKind.LESSON, "say it early", tags="#scope")
    board.add_order(OrderDraft("FOREQ1", "sam", amount="40", due="2026-12-24"))
    board.move(
        "FOREQ1",
        Move(Stage.REQUESTED, initiator=Initiator.BUYER, reason_text="two lines\nof why"),
    )
    board.add_order(OrderDraft("FOLES1", "kim", amount="40"))
    board.move("FOLES1", Move(Stage.FOLLOW_UP, outcome=Outcome.PARTIAL_REFUND, refund="15"))
    board.move("FOLES1", Move(Stage.LESSONS))
    return path


def test_the_domain_values_it_knows_are_the_domains() -> None:
    assert quicklist.OPEN_STAGE_VALUES == tuple(stage.value for stage in OPEN_STAGES)
    assert listjson.OUTCOME_VALUES == {outcome.value for outcome in Outcome}
    assert listjson.INITIATOR_VALUES == {initiator.value for initiator in Initiator}
    assert listjson.ENTRY_KINDS == tuple(kind.value for kind in EntryKind)
    stored = new_order(OrderDraft("FO1", "x"), FROZEN, "USD").to_dict()
    assert listjson.ORDER_KEYS == tuple(stored)


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--stage", "talk"),
        ("--stage=requested",),
        ("--stage", "review"),
        ("--stage", "lessons"),
    ],
)
def test_same_bytes_as_the_full_command(
    source: Path, capsysbinary: pytest.CaptureFixture[bytes], args: tuple[str, ...]
) -> None:
    quick = quick_list_json(["list", "--json", "--db", str(source), *args])
    assert quick is not None, "a board the app wrote must take the quick path"
    assert quick == full(source, capsysbinary, *args)
    assert json.loads(quick)  # orders listed, not an empty board


def test_every_open_order_is_listed(source: Path) -> None:
    quick = quick_list_json(["--db", str(source), "list", "--json"])
    assert quick is not None
    rows = json.loads(quick)
    stages = {row["stage"] for row in rows}
    assert stages == {"talk", "requested", "review", "follow-up", "lessons"}
    assert "closed" not in stages
    cjk = next(row for row in rows if row["order"] == "FOCJK1")
    assert (cjk["buyer"], cjk["amount"], cjk["lessons"]) == ("王小明 🎨", "1234.50", 1)
    refunded = next(row for row in rows if row["order"] == "FOLES1")
    assert (refunded["outcome"], refunded["refund"]) == ("partial-refund", "15.00")


def open_doc(data: Doc, number: str = "FOCJK1") -> Doc:
    return next(doc for doc in data["orders"].values() if doc["order"] == number)


def replace_value(key: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        doc[key] = value

    return change


def drop(key: str) -> Callable[[Doc], None]:
    return lambda doc: doc.pop(key)


def reorder(doc: Doc) -> None:
    items = list(doc.items())
    doc.clear()
    doc.update(reversed(items))


DAMAGE: dict[str, Callable[[Doc], None]] = {
    "buyer with an escape": replace_value("buyer", "jane\x1b]52;c;aGk=\x07"),
    "buyer with a bidi override": replace_value("buyer", "jane\u202e"),
    "buyer with spaces around": replace_value("buyer", " jane "),
    "buyer as a number": replace_value("buyer", 5),
    "buyer missing": drop("buyer"),
    "reason text with a carriage return": replace_value("reason_text", "a\r\nb"),
    "amount as text": replace_value("amount_cents", "500"),
    "amount as a boolean": replace_value("amount_cents", True),
    "revision as a float": replace_value("revision", 2.0),
    "revision past what the domain writes back": replace_value("revision", 1 << 63),
    "amount past what the domain writes back": replace_value("amount_cents", (1 << 64) - 1),
    "created at in Z form": replace_value("created_at", "2026-11-20T10:00:00Z"),
    "created at without a zone": replace_value("created_at", "2026-11-20T10:00:00"),
    "created at with microseconds": replace_value("created_at", "2026-11-20T10:00:00.5+00:00"),
    "entered stage at another offset": replace_value(
        "entered_stage_at", "2026-11-20T10:00:00+01:00"
    ),
    "entered stage at not a time": replace_value("entered_stage_at", "soon"),
    "due on a day that does not exist": replace_value("due", "2026-02-30"),
    "due empty": replace_value("due", ""),
    "requested at empty": replace_value("requested_at", ""),
    "unknown stage": replace_value("stage", "limbo"),
    "unknown outcome": replace_value("outcome", "maybe"),
    "empty initiator": replace_value("initiator", ""),
    "tags as text": replace_value("tags", "#late"),
    "a tag as a number": replace_value("tags", [1]),
    "a tag with a newline": replace_value("tags", ["a\nb"]),
    "entries as an object": replace_value("entries", {}),
    "an extra field": replace_value("colour", "red"),
    "fields in another order": reorder,
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_document_the_domain_would_not_write_goes_to_the_full_command(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], damage: str
) -> None:
    data = json.loads(source.read_bytes())
    DAMAGE[damage](open_doc(data))
    db = tmp_path / "board.json"
    db.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert quick_list_json(["list", "--json", "--db", str(db)]) is None
    full(db, capsysbinary)  # and the full command copes, one way or the other


def test_another_writers_spacing_is_still_a_board_it_vouches_for(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # The damaged boards above are written this way: their damage is why they are refused.
    db = tmp_path / "board.json"
    db.write_text(json.dumps(json.loads(source.read_bytes()), ensure_ascii=False, indent=1))
    quick = quick_list_json(["list", "--json", "--db", str(db)])
    assert quick is not None and quick == full(db, capsysbinary)


def _board_bytes(source: Path, change: Callable[[Doc], None]) -> bytes:
    data = json.loads(source.read_bytes())
    change(data)
    return json.dumps(data, ensure_ascii=False).encode()


def _in_an_entry(raw: bytes) -> Callable[[Path], bytes]:
    """The board with ``raw`` (JSON text) as an entry's text: a place the listing never
    shows, so only the parser can turn it down."""

    def board(source: Path) -> bytes:
        text = _board_bytes(source, lambda data: open_doc(data)["entries"][0].update(text="@@"))
        assert text.count(b'"@@"') == 1
        return text.replace(b'"@@"', raw)

    return board


def _set_meta(**meta: Any) -> Callable[[Doc], None]:
    def change(data: Doc) -> None:
        data["meta"] = {"1": meta}

    return change


FILES: dict[str, Callable[[Path], bytes]] = {
    "empty file": lambda source: b"",
    "not JSON": lambda source: b'{"orders": ',
    "a list": lambda source: b"[]",
    "an older schema": lambda source: _board_bytes(source, _set_meta(app="cancelboard", schema=1)),
    "a newer schema": lambda source: _board_bytes(source, _set_meta(app="cancelboard", schema=9)),
    "another program's": lambda source: _board_bytes(source, _set_meta(app="other", schema=2)),
    "an archive": lambda source: _board_bytes(
        source, _set_meta(app="cancelboard", schema=2, role="archive")
    ),
    "a document id that is not a number": lambda source: _board_bytes(
        source, lambda data: data["orders"].update({"x": open_doc(data)})
    ),
    # Where Python's parser (this module's) and orjson (the store's) could differ.
    "a UTF-8 byte order mark": lambda source: b"\xef\xbb\xbf" + source.read_bytes(),
    "UTF-16": lambda source: source.read_bytes().decode("utf-8").encode("utf-16"),
    "NaN": _in_an_entry(b"NaN"),
    "Infinity": _in_an_entry(b"-Infinity"),
    "a float": _in_an_entry(b"1.5"),
    "a number orjson reads as a float": _in_an_entry(str(1 << 64).encode()),
    "an escaped lone surrogate": _in_an_entry(b'"\\ud800"'),
    "an encoded surrogate": _in_an_entry(b'"\xed\xa0\x80"'),
    "not UTF-8": _in_an_entry(b'"\xff"'),
    "nesting past any parser's depth": _in_an_entry(b"[" * 100_000 + b"]" * 100_000),
}


@pytest.mark.parametrize("kind", FILES)
def test_a_file_it_cannot_vouch_for_goes_to_the_full_command(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], kind: str
) -> None:
    db = tmp_path / "board.json"
    db.write_bytes(FILES[kind](source))
    assert quick_list_json(["list", "--json", "--db", str(db)]) is None
    full(db, capsysbinary)  # and the full command copes, one way or the other
    assert quick_list_json(["list", "--json", "--db", str(tmp_path / "none.json")]) is None
    assert quick_list_json(["list", "--json", "--db", str(tmp_path)]) is None  # a folder


def test_the_edge_of_what_orjson_reads_as_whole_numbers_is_taken() -> None:
    for number in (-(1 << 63), (1 << 64) - 1):
        assert listjson.parse(b"[%d]" % number) == orjson.loads(b"[%d]" % number)
    for number in (-(1 << 63) - 1, 1 << 64):
        with pytest.raises(listjson.NotPlain):
            listjson.parse(b"[%d]" % number)


@pytest.mark.parametrize(
    "orders",
    [
        [],
        [{}],
        [{"a": None, "b": 0, "c": -(1 << 63), "d": (1 << 64) - 1, "e": [], "f": ["x"]}],
        [
            {"text": "".join(map(chr, range(0x30))) + '\x7f\u2028\u2029"\\/é王🎨'},
            {"tags": ["#a", "b\tc", "王"], "n": 1, "empty": ""},
        ],
    ],
)
def test_its_json_is_orjsons_byte_for_byte(orders: list[dict[str, Any]]) -> None:
    assert listjson.dump(orders) == orjson.dumps(orders, option=orjson.OPT_INDENT_2) + b"\n"


@pytest.mark.parametrize("value", [True, 1.5, {"x": 1}, [1], [None], ("x",)])
def test_values_the_listing_never_holds_are_refused(value: object) -> None:
    with pytest.raises(listjson.NotPlain):
        listjson.dump([{"field": value}])


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["list", "--text"],
        ["--json", "list"],
        ["list", "--json", "--all"],
        ["list", "--json", "--stage", "closed"],
        ["list", "--json", "--stage", "nowhere"],
        ["list", "--json", "--js"],
        ["list", "--json", "-h"],
        ["list", "--json", "--db"],
        ["list", "--json", "--db", "-x"],
        ["--stage", "talk", "list", "--json"],
        ["list", "--json", "extra"],
        ["add", "FO1", "--buyer", "x"],
        [],
    ],
)
def test_anything_but_a_plain_list_json_goes_to_the_full_command(argv: list[str]) -> None:
    assert wanted(argv) is None


def test_the_db_comes_from_the_option_the_environment_or_the_user_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = os.path.expanduser("~")
    assert wanted(["list", "--json", "--db", "~/b.json"]) == (f"{home}/b.json", None)
    monkeypatch.setenv("CANCELBOARD_DB", str(tmp_path / "env.json"))
    assert wanted(["list", "--json", "--stage=talk"]) == (str(tmp_path / "env.json"), "talk")
    monkeypatch.delenv("CANCELBOARD_DB")
    path, _ = wanted(["list", "--json", "--db", ""]) or (None, None)
    assert path == str(Path(os.environ["XDG_DATA_HOME"]) / "cancelboard" / "board.json")


def _cancelboard(args: list[str], db: Path) -> subprocess.CompletedProcess[bytes]:
    # The console script's own entry point, reporting which heavy modules it loaded.
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write(repr(sorted(m for m in sys.modules"
        " if m in ('tui.cli', 'tui.domain', 'tui.board', 'textual', 'orjson')))))\n"
        f"sys.argv = ['cancelboard', *{args!r}]\n"
        "from tui.quicklist import run\n"
        "run()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        env={**os.environ, "CANCELBOARD_DB": str(db)},
        check=False,
    )


def test_the_command_answers_without_the_domain_and_falls_back_with_it(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    done = _cancelboard(["list", "--json"], source)
    assert done.returncode == 0
    assert done.stdout == full(source, capsysbinary)
    assert done.stderr == b"[]"

    # A hand-edited board: the full command answers, with the text cleaned.
    data = json.loads(source.read_bytes())
    open_doc(data)["buyer"] = "jane\x1b[31m red"
    edited = tmp_path / "board.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    done = _cancelboard(["list", "--json"], edited)
    assert done.returncode == 0
    assert done.stdout == full(edited, capsysbinary)
    assert b"jane red" in done.stdout and b"\x1b" not in done.stdout
    assert b"tui.domain" in done.stderr


def test_a_reader_that_leaves_early_is_not_an_error(source: Path) -> None:
    done = subprocess.run(
        f"{sys.executable} -m tui list --json --db '{source}' | head -c 10",
        shell=True,
        capture_output=True,
        check=False,
    )
    assert done.stdout == b"[\n  {\n    "
    assert b"Traceback" not in done.stderr and b"Error" not in done.stderr


def copied(source: Path, folder: Path) -> Path:
    """A board file holding ``source``'s bytes, in ``folder``."""
    db = folder / "board.json"
    db.write_bytes(source.read_bytes())
    return db


def _listing(db: Path, *args: str) -> bytes | None:
    return quick_list_json(["list", "--json", "--db", str(db), *args])


def test_a_board_asked_about_again_gets_the_kept_answer(source: Path, tmp_path: Path) -> None:
    db = copied(source, tmp_path)
    first = _listing(db)
    assert first is not None
    where = Path(quicklist.cache_file(str(db), None))
    assert where.parent == Path(os.environ["XDG_CACHE_HOME"]) / "cancelboard"
    assert where.exists() and where.stat().st_mode & 0o777 == 0o600
    assert where.parent.stat().st_mode & 0o777 == 0o700

    # The kept answer is what is printed while the board's bytes are the same...
    key = quicklist.answer_key(db.read_bytes(), None)
    assert key is not None
    quicklist.keep(str(where), key, b"[kept]\n")
    assert _listing(db) == b"[kept]\n"
    # ...but not for another stage (its own key), nor once the board has changed.
    assert _listing(db, "--stage", "talk") not in (None, b"[kept]\n")
    Board(Store(db)).add_order(OrderDraft("FONEW1", "new buyer"))
    after = _listing(db)
    assert after is not None and b"FONEW1" in after and after != b"[kept]\n"


@pytest.mark.parametrize("damage", ["torn", "bit flipped", "another key", "not one"])
def test_a_damaged_kept_answer_is_worked_out_again(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], damage: str
) -> None:
    db = copied(source, tmp_path)
    assert _listing(db) is not None
    where = Path(quicklist.cache_file(str(db), None))
    kept = where.read_bytes()
    if damage == "torn":
        where.write_bytes(kept[: len(kept) // 2])
    elif damage == "bit flipped":
        where.write_bytes(kept[:-10] + bytes([kept[-10] ^ 1]) + kept[-9:])
    elif damage == "another key":
        where.write_bytes(kept.replace(kept[26:90], b"0" * 64, 1))
    else:
        where.write_bytes(b"{}")
    assert where.read_bytes() != kept
    assert _listing(db) == full(db, capsysbinary)
    assert where.read_bytes() == kept  # kept again, whole


def test_the_key_is_the_bytes_the_stage_and_the_code(tmp_path: Path) -> None:
    key = quicklist.answer_key(b"{}", None)
    assert key is not None and len(key) == 64
    assert quicklist.answer_key(b"{}", None) == key
    assert quicklist.answer_key(b"{ }", None) != key
    assert quicklist.answer_key(b"{}", "talk") != key
    assert quicklist.answer_key(b"{}", None, code=("quicklist.py",)) != key
    assert quicklist.answer_key(b"{}", None, code=("gone.py",)) is None


def test_a_cache_that_cannot_be_written_is_no_error(
    source: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert _listing(source) == full(source, capsysbinary)
    assert _listing(source) == full(source, capsysbinary)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cache"]


def test_a_changed_program_file_changes_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = Path(quicklist.__file__).parent
    for name in quicklist.CODE:
        (tmp_path / name).write_bytes((here / name).read_bytes())
    monkeypatch.setattr(quicklist, "__file__", str(tmp_path / "quicklist.py"))
    key = quicklist.answer_key(b"{}", None)
    assert key is not None and quicklist.answer_key(b"{}", None) == key
    os.utime(tmp_path / "listjson.py", ns=(1, 1))  # same size, another time: an upgrade
    assert quicklist.answer_key(b"{}", None) not in (None, key)


@pytest.mark.parametrize("cache_home", ["", "relative/cache"])
def test_without_an_absolute_cache_folder_nothing_is_kept(
    source: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
    cache_home: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", cache_home)
    monkeypatch.setenv("HOME", "relative-home")  # no home to expand "~" to either
    assert quicklist.cache_dir() is None
    assert _listing(source) == full(source, capsysbinary)
    assert list(tmp_path.iterdir()) == []  # nothing written in the current folder


def test_a_cache_folder_others_can_write_to_is_not_used(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    db = copied(source, tmp_path)
    where = Path(quicklist.cache_file(str(db), None) or "")
    where.parent.mkdir(parents=True)
    where.parent.chmod(0o777)  # e.g. a shared folder: anyone could plant an answer
    key = quicklist.answer_key(db.read_bytes(), None)
    assert key is not None
    where.write_bytes(quicklist.CACHE_MAGIC + b"%s 7 %d\n[fake]\n" % (key, zlib.crc32(b"[fake]\n")))
    assert _listing(db) == full(db, capsysbinary)
    assert where.read_bytes().endswith(b"[fake]\n")  # and nothing kept there either
    where.parent.chmod(0o700)
    assert _listing(db) == b"[fake]\n"  # the same file, in a private folder, is used


def test_a_kept_answer_that_is_a_link_is_not_followed(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    db = copied(source, tmp_path)
    assert _listing(db) is not None
    where = Path(quicklist.cache_file(str(db), None) or "")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(where.read_bytes())
    where.unlink()
    where.symlink_to(elsewhere)
    assert quicklist.cached(str(where), quicklist.answer_key(db.read_bytes(), None) or b"") is None
    assert _listing(db) == full(db, capsysbinary)


def test_old_answers_and_left_temporary_files_are_dropped(source: Path, tmp_path: Path) -> None:
    db = copied(source, tmp_path)
    where = Path(quicklist.cache_file(str(db), None) or "")
    folder = where.parent
    folder.mkdir(parents=True, mode=0o700)
    month_ago = time.time() - quicklist.STALE_SECONDS - 60
    stale, recent = folder / "list-0123", folder / "list-4567"
    left, fresh_tmp = folder / "list-89ab.1-ff.tmp", folder / "list-cdef.2-ee.tmp"
    other = folder / "notes.txt"  # not ours: left alone
    for path in (stale, recent, left, fresh_tmp, other):
        path.write_bytes(b"x")
    os.utime(stale, (month_ago, month_ago))
    os.utime(left, (time.time() - 7200, time.time() - 7200))
    os.utime(other, (month_ago, month_ago))
    assert _listing(db) is not None  # worked out and kept: the folder is tidied
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [where.name, recent.name, fresh_tmp.name, other.name]
    )


def _kept(db: Path, stage: str | None) -> bytes | None:
    """The answer kept for the board file's bytes as they are now (None: none)."""
    key = quicklist.answer_key(db.read_bytes(), stage)
    where = quicklist.cache_file(str(db), stage)
    assert key is not None and where is not None
    return quicklist.cached(where, key)


def test_the_answers_asked_for_are_worked_out_again_for_the_board_as_it_is(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    db = copied(source, tmp_path)
    link = tmp_path / "link.json"
    link.symlink_to(db)
    # A status bar asks about the whole board, another script about one stage by another
    # name of the file; nobody asks about the others.
    assert _listing(db) is not None
    assert _listing(link, "--stage", "talk") is not None
    Board(Store(db)).add_order(OrderDraft("FONEW1", "new buyer"))
    assert _kept(db, None) is None and _kept(link, "talk") is None  # worked out, were they asked

    quicklist.refresh([str(db), str(link)])

    assert _kept(db, None) == full(db, capsysbinary)
    assert _kept(link, "talk") == full(db, capsysbinary, "--stage", "talk")
    assert b"FONEW1" in (_kept(link, "talk") or b"")
    asked = {Path(where).name for where, _ in quicklist.asked_slots([str(db), str(link)])}
    assert sorted(asked) == sorted(p.name for p in Path(quicklist.cache_dir() or "").iterdir())
    assert len(asked) == 2  # no answer made that nobody asked for


def test_refreshing_answers_nobody_asked_for_writes_nothing(source: Path, tmp_path: Path) -> None:
    db = copied(source, tmp_path)
    quicklist.refresh([str(db)])
    assert not Path(quicklist.cache_dir() or "").exists()


def test_an_answer_it_cannot_vouch_for_is_left_to_the_next_call(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    db = copied(source, tmp_path)
    assert _listing(db) is not None
    where = Path(quicklist.cache_file(str(db), None) or "")
    before = where.read_bytes()
    # Hand-edited: text the domain would clean (the full command cleans it).
    data = orjson.loads(db.read_bytes())
    doc = next(iter(data["orders"].values()))
    doc["buyer"] = " padded "
    db.write_bytes(orjson.dumps(data))
    quicklist.refresh([str(db)])
    assert where.read_bytes() == before  # untouched: not this board's answer
    assert _listing(db) is None  # the next call leaves it to the full command, as before
    assert b'"buyer": "padded"' in (full(db, capsysbinary) or b"")


def test_the_refresh_command_works_the_answers_out_in_its_own_process(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    db = copied(source, tmp_path)
    assert _listing(db) is not None
    Board(Store(db)).add_order(OrderDraft("FONEW2", "another buyer"))
    from tui.app import REFRESH_ANSWERS

    done = subprocess.run([*REFRESH_ANSWERS, str(db)], capture_output=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert _kept(db, None) == full(db, capsysbinary)


def test_a_slot_keeps_the_time_a_script_last_had_it_worked_out(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    db = copied(source, tmp_path)
    assert _listing(db) is not None and _listing(db, "--stage", "talk") is not None
    where = Path(quicklist.cache_file(str(db), None) or "")
    asked_long_ago = Path(quicklist.cache_file(str(db), "talk") or "")
    week_ago = time.time() - 7 * 24 * 3600
    month_ago = time.time() - quicklist.STALE_SECONDS - 60
    os.utime(where, (week_ago, week_ago))
    os.utime(asked_long_ago, (month_ago, month_ago))
    Board(Store(db)).add_order(OrderDraft("FONEW3", "third buyer"))

    quicklist.refresh([str(db)])

    assert _kept(db, None) == full(db, capsysbinary)
    assert abs(where.stat().st_mtime - week_ago) < 1  # still: a week since a script asked
    # Not asked about for a month: not refreshed, and dropped by the next tidy-up.
    assert _kept(db, "talk") is None
    assert _listing(db) is not None  # a call that works nothing out does not tidy up...
    Board(Store(db)).add_order(OrderDraft("FONEW4", "fourth buyer"))
    assert _listing(db) is not None  # ...one that keeps an answer does
    assert not asked_long_ago.exists()


def test_a_board_file_whose_name_is_not_utf8_gets_its_answers_kept(
    source: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    name = os.fsdecode(b"board-\xe9.json")  # Latin-1 bytes, as an older system names it
    db = tmp_path / name
    db.write_bytes(source.read_bytes())
    assert _listing(db) == full(db, capsysbinary)
    assert quicklist.asked_slots([str(db)]) != []
    Board(Store(db)).add_order(OrderDraft("FONEW5", "fifth buyer"))
    quicklist.refresh([str(db)])
    assert _kept(db, None) == full(db, capsysbinary)
