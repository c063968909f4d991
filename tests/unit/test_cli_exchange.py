"""``cancelboard export``, ``import`` and ``stats``: exit codes, one-line errors, nothing written."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_stats import known_board
from tui.cli import main
from tui.domain import OrderDraft


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The known board (read only in these tests)."""
    path = tmp_path_factory.mktemp("cli") / "board.json"
    known_board(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cancelboard: error: ")
    return lines[0]


def test_export_json_to_stdout(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "--db", str(db))
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["format"] == "cancelboard-export" and len(doc["orders"]) == 7


@pytest.mark.parametrize(
    "fmt,first", [("csv", "order,buyer,gig,amount"), ("md", "# Cancelboard report")]
)
def test_export_formats_to_stdout(
    db: Path, capsys: pytest.CaptureFixture[str], fmt: str, first: str
) -> None:
    code, out, _ = run(capsys, "--db", str(db), "export", "--format", fmt)
    assert code == 0 and out.startswith(first)


def test_export_to_a_file_refuses_to_overwrite_without_force(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "board.csv"
    code, printed, _ = run(capsys, "export", "--db", str(db), "-o", str(out))
    assert code == 0 and str(out) in printed
    assert out.read_text().startswith("order,buyer")  # the format follows the file name
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    out.write_text("my spreadsheet")
    code, _, err = run(capsys, "export", "--db", str(db), "--format", "json", "-o", str(out))
    assert code == 2
    assert "already exists (--force overwrites it)" in one_error_line(err)
    assert out.read_text() == "my spreadsheet"

    code, _, _ = run(
        capsys, "export", "--db", str(db), "--format", "json", "-o", str(out), "--force"
    )
    assert code == 0 and json.loads(out.read_text())["version"] == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board.csv"]


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("board.json", "the board file"),
        ("board.archive.json", "the board's archive"),
        ("board.json.lock", "the lock file of the board file"),
        ("board.json.bak-20261101T000000Z", "a backup of the board file"),
    ],
)
def test_export_never_overwrites_the_boards_own_files(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, what: str
) -> None:
    import shutil

    board_file = tmp_path / "board.json"
    shutil.copy(db, board_file)
    shutil.copy(db.with_name("board.archive.json"), tmp_path / "board.archive.json")
    (tmp_path / "board.json.bak-20261101T000000Z").write_bytes(board_file.read_bytes())
    (tmp_path / "board.json.lock").touch()  # as a write makes it
    target = tmp_path / name
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert name in before
    code, _, err = run(capsys, "export", "--db", str(board_file), "-o", str(target), "--force")
    assert code == 2
    assert f"is {what} (even --force will not overwrite it)" in one_error_line(err)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    code, out, _ = run(capsys, "list", "--all", "--db", str(board_file))
    assert code == 0 and "closed" in out  # the archive is whole


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["export", "--format", "xml"], "invalid choice: 'xml'"),
        (["export", "-o", "{tmp}/no/such/out.json"], "no such folder"),
        (["export", "-o", "{tmp}"], "is a folder"),
        (["import", "{tmp}/missing.json"], "missing.json: no such file"),
        (["import"], "the following arguments are required: FILE"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    before = db.read_bytes()
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = run(capsys, *args, "--db", str(db))
    assert code == 2 and out == ""
    assert expected in one_error_line(err)
    assert db.read_bytes() == before


def test_import_then_import_again(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / "export.json"
    assert run(capsys, "export", "--db", str(db), "-o", str(exported))[0] == 0
    target = tmp_path / "new.json"

    code, out, err = run(capsys, "import", str(exported), "--db", str(target))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "imported 7 orders (7 added)"
    listed = run(capsys, "list", "--all", "--json", "--db", str(target))[1]
    assert len(json.loads(listed)) == 7

    before = target.read_bytes()
    code, out, _ = run(capsys, "import", str(exported), "--db", str(target))
    assert code == 0
    assert out.splitlines()[:2] == [
        "imported 0 orders",
        "7 already on the board, identical: left as they are",
    ]
    assert target.read_bytes() == before

    code, out, _ = run(capsys, "import", str(exported), "--replace", "--db", str(target))
    assert code == 0 and "7 already on the board, identical" in out
    assert target.read_bytes() == before


def test_import_replace_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "board.json"
    assert run(capsys, "add", "FO1", "--buyer", "ann", "--db", str(target))[0] == 0
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("order,buyer,amount\nFO1,ann-new,5\nFO2,bo,7.50\n")

    code, out, _ = run(capsys, "import", str(sheet), "--db", str(target))
    assert code == 0
    assert "skipped 1 already on the board with other data (--replace overwrites them): FO1" in out
    code, out, _ = run(capsys, "import", str(sheet), "--replace", "--db", str(target))
    assert code == 0 and out.startswith("imported 1 order (0 added, 1 replaced)")
    shown = json.loads(run(capsys, "show", "FO1", "--json", "--db", str(target))[1])
    assert (shown["buyer"], shown["amount_cents"]) == ("ann-new", 500)


def test_csv_import_replace_keeps_the_orders_notes_messages_and_lessons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "board.json"
    db = ("--db", str(target))
    assert run(capsys, "add", "FO1", "--buyer", "ann", *db)[0] == 0
    assert run(capsys, "note", "FO1", "important", *db)[0] == 0
    assert run(capsys, "message", "FO1", "where is it?", *db)[0] == 0
    assert run(capsys, "lesson", "FO1", "ask early", *db)[0] == 0
    sheet = tmp_path / "e.csv"
    assert run(capsys, "export", "-o", str(sheet), *db)[0] == 0
    before = target.read_bytes()

    # The unchanged export, back in: nothing to replace, nothing lost.
    code, out, _ = run(capsys, "import", str(sheet), "--replace", *db)
    assert code == 0 and "1 already on the board, identical" in out
    assert target.read_bytes() == before

    # A changed sheet replaces what CSV carries; the entries (no CSV columns) stay.
    sheet.write_text(sheet.read_text().replace(",ann,", ",ann-new,"))
    code, out, _ = run(capsys, "import", str(sheet), "--replace", *db)
    assert code == 0 and out.startswith("imported 1 order (0 added, 1 replaced)")
    code, out, _ = run(capsys, "show", "FO1", *db)
    assert code == 0 and "ann-new" in out
    assert "important" in out and "where is it?" in out and "ask early" in out


def test_a_bad_import_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "board.json"
    assert run(capsys, "add", "FO1", "--buyer", "ann", "--db", str(target))[0] == 0
    before = target.read_bytes()
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("order,buyer,amount\nFO2,bo,7.50\nFO3,cy,-1\n")

    code, out, err = run(capsys, "import", str(sheet), "--db", str(target))

    assert code == 2 and out == ""
    assert one_error_line(err) == (
        f"cancelboard: error: {sheet}: row 3 (FO3), amount: not a non-negative number: '-1'"
    )
    assert target.read_bytes() == before


def test_stats_text_and_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "stats", "--db", str(db))
    assert (code, err) == (0, "")
    assert "save rate" in out and "Cancellations by reason" in out
    code, out, _ = run(capsys, "stats", "--json", "--db", str(db))
    data = json.loads(out)
    assert code == 0 and (data["cases"], data["saved"], data["cancelled"]) == (7, 2, 3)


def test_stats_count_by_reason_only_the_orders_cancelled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # With 4 orders cancelled, the reasons added up to 5: an order whose request was
    # still open (in 'requested') was counted as a cancellation of its reason.
    db = str(tmp_path / "board.json")
    for number in ("FO1", "FO2", "FO3", "FO4", "FO5"):
        assert main(["--db", db, "add", number, "--buyer", "b"]) == 0
        assert main(["--db", db, "move", number, "requested", "--reason", "scope"]) == 0
    for number in ("FO1", "FO2", "FO3", "FO4"):
        move = ["move", number, "follow-up", "--outcome", "cancelled-mutual"]
        assert main(["--db", db, *move]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "stats", "--json", "--db", db)
    data = json.loads(out)
    assert code == 0 and data["cancelled"] == 4
    assert {r["reason"]: r["count"] for r in data["by_reason"]}["scope"] == 4
    code, out, _ = run(capsys, "stats", "--db", db)
    section = out.split("Cancellations by reason\n")[1].split("\n\n")[0]
    scope = next(line for line in section.splitlines() if "scope" in line)
    assert scope.endswith(" 4"), section


def test_stats_on_a_board_that_does_not_exist_yet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "stats", "--db", str(tmp_path / "none.json"))
    assert code == 0 and out.startswith("0 cases")
    assert not (tmp_path / "none.json").exists()


def test_the_commands_do_not_import_textual(db: Path, tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from tui.cli import main\n"
        f"db = {str(db)!r}\n"
        f"out = {str(tmp_path / 'out.md')!r}\n"
        "assert main(['stats', '--db', db]) == 0\n"
        "assert main(['export', '--format', 'md', '-o', out, '--db', db]) == 0\n"
        "assert main(['import', out.replace('.md', '.json'), '--db', db]) == 2\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CANCELBOARD_DB"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_templates_travel_with_the_json_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.board import Board
    from tui.store import Store

    source, target = tmp_path / "a.json", tmp_path / "b.json"
    board = Board(Store(source))
    board.add_order(OrderDraft("FO1", "jane"))
    board.save_template("Custom hello", "Hello {buyer}!")
    out = tmp_path / "export.json"
    assert main(["--db", str(source), "export", "--format", "json", "-o", str(out)]) == 0
    assert main(["--db", str(target), "import", str(out)]) == 0
    titles = [t.title for t in Board(Store(target)).templates()]
    assert "Custom hello" in titles and "Ask the reason" in titles
    assert "message templates: 1 added" in capsys.readouterr().out


def test_a_json_round_trip_gives_back_the_sellers_reasons_and_templates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Imported into a new board, custom reason labels came back as the defaults, an
    # unused reason was dropped, and an edited template came back with its default text.
    from tui.board import Board
    from tui.domain import DEFAULT_TEMPLATES, Move, Stage
    from tui.store import Store

    source, target = tmp_path / "a.json", tmp_path / "b.json"
    board = Board(Store(source))
    board.add_order(OrderDraft("FO1", "jane"))
    board.set_reasons([("scope", "Scope creep"), ("other", "Misc"), ("late", "Late brief")])
    first = DEFAULT_TEMPLATES[0]
    board.save_template(first.title, "My own words, {buyer}.", template_id=first.id)
    out, again = tmp_path / "export.json", tmp_path / "again.json"
    assert main(["--db", str(source), "export", "--format", "json", "-o", str(out)]) == 0
    assert main(["--db", str(target), "import", str(out)]) == 0
    assert main(["--db", str(target), "export", "--format", "json", "-o", str(again)]) == 0
    exported, back = json.loads(out.read_text()), json.loads(again.read_text())
    assert back["reasons"] == exported["reasons"]  # the built-in ones it lacks stay out
    assert back["templates"] == exported["templates"]

    # A reason an order uses that the file's list lacks is listed too (under its id).
    board.move("FO1", Move(Stage.REQUESTED, reason="late"))
    board.set_reasons([("scope", "Scope creep"), ("other", "Misc")])
    unlisted = tmp_path / "unlisted.json"
    assert main(["--db", str(source), "export", "--format", "json", "-o", str(unlisted)]) == 0
    fresh = tmp_path / "fresh.json"
    capsys.readouterr()
    assert main(["--db", str(fresh), "import", str(unlisted)]) == 0
    assert "reasons added to the list: late" in capsys.readouterr().out
    assert dict(Board(Store(fresh)).reasons())["late"] == "late"

    # A board with lists of its own keeps them, unless --replace.
    own = tmp_path / "own.json"
    mine = Board(Store(own))
    mine.set_reasons([("scope", "Scope (mine)")])
    mine.save_template(first.title, "Mine, {buyer}.", template_id=first.id)
    capsys.readouterr()
    assert main(["--db", str(own), "import", str(out)]) == 0
    assert dict(Board(Store(own)).reasons())["scope"] == "Scope (mine)"
    assert Board(Store(own)).templates()[0].text == "Mine, {buyer}."
    assert main(["--db", str(own), "import", str(out), "--replace"]) == 0
    said = capsys.readouterr().out
    assert "reasons relabelled as in the file: scope" in said
    assert dict(Board(Store(own)).reasons()) == {
        "scope": "Scope creep",
        "other": "Misc",
        "late": "Late brief",
    }
    assert Board(Store(own)).templates()[0].text == "My own words, {buyer}."


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (
            "FO1,a,closed,partial-refund,50,10",
            "refund: a partial refund must be less than the order's 10.00 USD",
        ),
        (
            "FO7,g,follow-up,partial-refund,1200,1200",
            "row 2 (FO7), refund: a partial refund must be less than the order's 1200.00 USD",
        ),
        ("FO8,h,closed,cancelled-mutual,50,10", "refund: more than the order's 10.00 USD"),
        ("FO2,b,closed,saved,5,10", "refund: only with the partial-refund outcome"),
        ("FO3,c,closed,partial-refund,,10", "refund: required for a partial refund"),
        ("FO4,d,talk,saved,,10", "outcome: saved is recorded from follow-up on, not in talk"),
        ('FO5,"e', "not valid CSV"),
        ("FO6,f,talk,,,10,2026-05-01,2026-04-01", "due: before the order date, 2026-05-01"),
    ],
)
def test_an_import_refuses_money_and_outcomes_a_move_would_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, said: str
) -> None:
    # They were accepted, and stats then showed 55.00 refunded on 20.00 of orders.
    board_file, csv_file = tmp_path / "board.json", tmp_path / "c.csv"
    main(["--db", str(board_file), "add", "FO0", "--buyer", "x"])
    before = board_file.read_bytes()
    csv_file.write_text(f"order,buyer,stage,outcome,refund,amount,order_date,due\n{rows}\n")
    capsys.readouterr()
    assert main(["--db", str(board_file), "import", str(csv_file)]) == 2
    assert said in one_error_line(capsys.readouterr().err)
    assert board_file.read_bytes() == before


def test_an_import_fills_what_a_move_records_and_lists_a_reason_no_list_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.board import Board
    from tui.store import Store

    board_file, csv_file = tmp_path / "board.json", tmp_path / "c.csv"
    csv_file.write_text(
        "order,buyer,stage,outcome,refund,amount,reason,entered_stage_at\n"
        "FO1,a,requested,,,10,scope,2026-11-20T10:00:00+00:00\n"
        "FO2,b,closed,cancelled-mutual,,10,,\n"
    )
    assert main(["--db", str(board_file), "import", str(csv_file)]) == 0
    board = Board(Store(board_file))
    first = board.get("FO1")
    assert first.requested_at == first.entered_stage_at  # its 48 h counted from then
    assert board.get("FO2").refund_cents == 1000  # a cancellation refunds it all
    # A reason no list names (a CSV carries none) was kept, but listed nowhere.
    csv_file.write_text("order,buyer,stage,reason\nFO9,z,requested,bogus\n")
    capsys.readouterr()
    assert main(["--db", str(board_file), "import", str(csv_file)]) == 0
    assert "reasons added to the list: bogus" in capsys.readouterr().out
    assert dict(Board(Store(board_file)).reasons())["bogus"] == "bogus"


def test_import_dash_reads_standard_input(tmp_path: Path) -> None:
    board_file = tmp_path / "board.json"
    args = [sys.executable, "-m", "tui", "--db", str(board_file), "import", "-"]
    done = subprocess.run(
        args, input="order,buyer\nFO1,ann\n", capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "imported 1 order" in done.stdout, done
    bad = subprocess.run(
        args, input='order,buyer\nFO2,"ann\n', capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert (
        bad.stderr
        == "cancelboard: error: standard input: not valid CSV: unexpected end of data (line 2)\n"
    )


def test_an_import_keeps_a_built_in_reason_the_boards_closed_orders_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only open orders were looked at: a closed order's reason was dropped from the list,
    # and it then showed as its id.
    from tui.board import Board
    from tui.domain import Move, Outcome, Stage
    from tui.store import Store

    source, target, out = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "e.json"
    Board(Store(source)).set_reasons([("scope", "Scope creep"), ("other", "Other")])
    Board(Store(source)).add_order(OrderDraft("FO1", "jane"))
    assert main(["--db", str(source), "export", "--format", "json", "-o", str(out)]) == 0
    board = Board(Store(target))
    board.add_order(OrderDraft("FO9", "kim"))
    board.move("FO9", Move(Stage.REQUESTED, reason="fraud"))
    board.move("FO9", Move(Stage.CLOSED, outcome=Outcome.CANCELLED_MUTUAL))
    assert main(["--db", str(target), "import", str(out)]) == 0
    assert dict(Board(Store(target)).reasons())["fraud"] == "Fraud or terms issue"


def test_a_csv_replace_changes_only_its_columns_and_the_history_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A sheet of order,buyer,amount wiped the due date, tags, stage, request and ticket,
    # and the history kept no line for it.
    target = tmp_path / "board.json"
    db = ("--db", str(target))
    assert run(capsys, "add", "FO77", "--buyer", "alice", "--amount", "50.00", *db)[0] == 0
    assert run(capsys, "move", "FO77", "requested", "--reason", "scope", *db)[0] == 0
    assert run(capsys, "move", "FO77", "review", "--ticket", "CS-9", *db)[0] == 0
    assert run(capsys, "note", "FO77", "kept", *db)[0] == 0
    before = json.loads(run(capsys, "show", "FO77", "--json", *db)[1])
    sheet = tmp_path / "amt.csv"
    sheet.write_text("order,buyer,amount\nFO77,alice,60.00\n")

    code, out, err = run(capsys, "import", str(sheet), "--replace", *db)

    assert (code, err) == (0, "")
    assert out.startswith("imported 1 order (0 added, 1 replaced)")
    after = json.loads(run(capsys, "show", "FO77", "--json", *db)[1])
    assert after["amount_cents"] == 6000
    assert after["revision"] == before["revision"] + 1
    assert after["history"][:-1] == before["history"]
    assert after["history"][-1]["action"] == "imported"
    assert after["history"][-1]["detail"] == "from CSV: amount 50.00 -> 60.00"
    unchanged = {k: v for k, v in after.items() if k not in ("amount_cents", "revision", "history")}
    assert unchanged == {
        k: v for k, v in before.items() if k not in ("amount_cents", "revision", "history")
    }
    assert (after["stage"], after["ticket"], after["reason"]) == ("review", "CS-9", "scope")
    timeline = run(capsys, "history", "FO77", *db)[1]
    assert timeline.splitlines()[-1].endswith("imported · from CSV: amount 50.00 -> 60.00")

    # The same sheet again: identical, nothing written, no second history line.
    saved = target.read_bytes()
    code, out, _ = run(capsys, "import", str(sheet), "--replace", *db)
    assert code == 0 and "1 already on the board, identical" in out
    assert target.read_bytes() == saved


def test_a_csv_replace_is_checked_with_the_boards_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "board.json"
    db = ("--db", str(target))
    assert run(capsys, "add", "FO1", "--buyer", "ann", "--amount", "10", *db)[0] == 0
    assert run(capsys, "add", "FO2", "--buyer", "bo", "--amount", "10", *db)[0] == 0
    assert run(capsys, "move", "FO2", "requested", *db)[0] == 0
    outcome = ("--outcome", "cancelled-mutual")
    assert run(capsys, "move", "FO2", "follow-up", *outcome, *db)[0] == 0

    # A new amount moves a cancelled order's refund with it, as an edit does.
    sheet = tmp_path / "s.csv"
    sheet.write_text("order,buyer,amount\nFO2,bo,20\n")
    assert run(capsys, "import", str(sheet), "--replace", *db)[0] == 0
    shown = json.loads(run(capsys, "show", "FO2", "--json", *db)[1])
    assert (shown["stage"], shown["outcome"]) == ("follow-up", "cancelled-mutual")
    assert (shown["amount_cents"], shown["refund_cents"]) == (2000, 2000)

    # A refund on an order in talk with no outcome: refused, naming the row; nothing
    # written, and no backup left behind.
    sheet.write_text("order,buyer,refund\nFO1,ann,5\n")
    before = target.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run(capsys, "import", str(sheet), "--replace", *db)
    assert (code, out) == (2, "")
    assert one_error_line(err) == (
        f"cancelboard: error: {sheet}: row 2 (FO1), refund: only with the partial-refund"
        " outcome or a cancelled one"
    )
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_a_json_replace_takes_the_exported_orders_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As documented: a JSON export replaces whole orders, history included, so the
    # timeline is the one that goes with the order's fields.
    target = tmp_path / "board.json"
    db = ("--db", str(target))
    assert run(capsys, "add", "FO1", "--buyer", "ann", "--amount", "10", *db)[0] == 0
    exported = tmp_path / "e.json"
    assert run(capsys, "export", "-o", str(exported), *db)[0] == 0
    file_order = json.loads(exported.read_text())["orders"][0]
    assert run(capsys, "move", "FO1", "requested", *db)[0] == 0
    assert run(capsys, "note", "FO1", "after the export", *db)[0] == 0

    code, out, _ = run(capsys, "import", str(exported), "--replace", *db)

    assert code == 0 and out.startswith("imported 1 order (0 added, 1 replaced)")
    shown = json.loads(run(capsys, "show", "FO1", "--json", *db)[1])
    assert {k: v for k, v in shown.items() if k in file_order and k != "revision"} == {
        k: v for k, v in file_order.items() if k != "revision"
    }
    assert [e["action"] for e in shown["history"]] == ["created"]


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ("C3,c,follow-up,10", "row 3 (C3), outcome: required for an order in follow-up (one of"),
        ("C4,d,lessons,10", "row 3 (C4), outcome: required for an order in lessons (one of"),
        ("C5,e,closed,10", "row 3 (C5), outcome: required for a closed order (one of"),
    ],
)
def test_a_csv_import_refuses_an_order_past_talks_resolution_without_an_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, said: str
) -> None:
    # They were taken: list showed C3 in follow-up with no outcome, a state no move makes
    # ("outcome: required to move from requested to follow-up").
    board_file, csv_file = tmp_path / "board.json", tmp_path / "c.csv"
    main(["--db", str(board_file), "add", "FO0", "--buyer", "x"])
    before = board_file.read_bytes()
    csv_file.write_text(f"order,buyer,stage,amount\nC1,a,talk,10\n{row}\n")
    capsys.readouterr()
    assert main(["--db", str(board_file), "import", str(csv_file)]) == 2
    assert f"cancelboard: error: {csv_file}: {said}" in one_error_line(capsys.readouterr().err)
    assert board_file.read_bytes() == before


def test_a_json_export_with_an_order_in_lessons_without_an_outcome_still_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An earlier version's CSV import let such orders onto a board; its JSON export (a
    # backup, a move to another machine) must come back whole. A closed one without an
    # outcome was refused then as now.
    source, target = tmp_path / "source.json", tmp_path / "target.json"
    main(["--db", str(source), "add", "FO1", "--buyer", "x"])
    exported = tmp_path / "e.json"
    assert main(["--db", str(source), "export", "-o", str(exported)]) == 0
    doc = json.loads(exported.read_text())
    doc["orders"][0]["stage"] = "lessons"
    exported.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["--db", str(target), "import", str(exported)]) == 0
    capsys.readouterr()
    assert json.loads(run(capsys, "show", "FO1", "--json", "--db", str(target))[1])["stage"] == (
        "lessons"
    )
    doc["orders"][0]["stage"] = "closed"
    exported.write_text(json.dumps(doc))
    other = tmp_path / "other.json"
    assert main(["--db", str(other), "import", str(exported)]) == 2
    assert one_error_line(capsys.readouterr().err).startswith(
        f"cancelboard: error: {exported}: order FO1, outcome: required for a closed order"
    )
    assert not other.exists()


def test_a_sheet_without_an_outcome_column_keeps_the_boards_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The order on the board has its outcome: a row that gives only its stage is whole.
    target = tmp_path / "board.json"
    db = ("--db", str(target))
    assert run(capsys, "add", "FO1", "--buyer", "ann", *db)[0] == 0
    assert run(capsys, "move", "FO1", "follow-up", "--outcome", "saved", *db)[0] == 0
    sheet = tmp_path / "s.csv"
    sheet.write_text("order,buyer,stage\nFO1,ann,lessons\n")
    assert run(capsys, "import", str(sheet), "--replace", *db)[0] == 0
    shown = json.loads(run(capsys, "show", "FO1", "--json", *db)[1])
    assert (shown["stage"], shown["outcome"]) == ("lessons", "saved")
    assert shown["history"][-1]["from"] == "follow-up" and shown["history"][-1]["to"] == "lessons"


def test_a_sheet_without_reasons_leaves_the_reasons_list_as_the_seller_made_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The seller took 'other' out of the list; a sheet of amounts then put it back
    # ("reasons added to the list: other"): FO1 on the board had been requested with it.
    from tui.board import Board
    from tui.domain import Move, Stage
    from tui.store import Store

    board_file, sheet = tmp_path / "board.json", tmp_path / "a.csv"
    board = Board(Store(board_file))
    board.add_order(OrderDraft("FO1", "ann", amount="20"))
    board.move("FO1", Move(Stage.REQUESTED))  # reason: other
    board.set_reasons([(r, label) for r, label in board.reasons() if r != "other"])
    sheet.write_text("order,buyer,amount\nFO1,ann,25.00\n")
    capsys.readouterr()
    assert main(["--db", str(board_file), "import", str(sheet), "--replace"]) == 0
    assert "reasons added" not in capsys.readouterr().out
    assert "other" not in dict(Board(Store(board_file)).reasons())
    assert Board(Store(board_file)).get("FO1").amount == "25.00"


def test_a_sheet_is_refused_what_a_move_or_the_form_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Accepted: a cancelled order's refund of 10.00 of its 40.00 (stats then counted
    # 10.00 refunded), and a CS ticket or follow-up date on an order in Talk to buyer.
    from tui.board import Board
    from tui.domain import Move, Outcome, Stage
    from tui.store import Store

    board_file, sheet = tmp_path / "board.json", tmp_path / "a.csv"
    board = Board(Store(board_file))
    board.add_order(OrderDraft("FO4", "dee", amount="40"))
    board.move("FO4", Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_BY_BUYER))
    board.add_order(OrderDraft("FO5", "eve", amount="40"))
    before = board_file.read_bytes()
    for rows, said in (
        ("order,buyer,refund\nFO4,dee,10.00\n", "refund: a cancelled order refunds all of it"),
        ("order,buyer,ticket\nFO5,eve,T-1\n", "ticket: only for a case escalated"),
        ("order,buyer,follow_up_due\nFO5,eve,2026-12-30\n", "follow_up_due: only for an"),
        ("order,buyer,stage,ticket\nFO6,fay,talk,T-2\n", "ticket: only for a case escalated"),
    ):
        sheet.write_text(rows)
        capsys.readouterr()
        assert main(["--db", str(board_file), "import", str(sheet), "--replace"]) == 2, rows
        err = capsys.readouterr().err
        assert said in err and "row 2" in err and err.count("\n") == 1, err
        assert board_file.read_bytes() == before
    # What a move would record is taken: the ticket of a case in review.
    sheet.write_text("order,buyer,stage,ticket\nFO7,gus,review,T-3\n")
    assert main(["--db", str(board_file), "import", str(sheet)]) == 0
    assert Board(Store(board_file)).get("FO7").ticket == "T-3"


def test_a_sheet_exported_and_edited_moves_an_order_as_a_move_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # From a review: an export with one stage cell changed (review -> talk) put the order
    # back in Talk with its ticket, request and escalation still on it (every column was
    # "given", as it was); and a cancelled order's new amount was refused, its refund
    # cell holding the old one.
    from tui.board import Board
    from tui.domain import Move, Outcome, Stage
    from tui.store import Store

    board_file, sheet = tmp_path / "board.json", tmp_path / "s.csv"
    board = Board(Store(board_file))
    board.add_order(OrderDraft("FO1", "ann", amount="20"))
    board.move("FO1", Move(Stage.REQUESTED, reason="scope"))
    board.move("FO1", Move(Stage.REVIEW, ticket="T-9"))
    board.add_order(OrderDraft("FO2", "bob", amount="40"))
    board.move("FO2", Move(Stage.FOLLOW_UP, outcome=Outcome.CANCELLED_BY_BUYER))
    board.add_order(OrderDraft("FO3", "cy", amount="30"))
    escalated = board.get("FO1").escalated_at
    assert escalated is not None
    assert main(["--db", str(board_file), "export", "--format", "csv", "-o", str(sheet)]) == 0
    rows = sheet.read_text().splitlines()
    header = rows[0].split(",")
    edited = [rows[0]]
    for row in rows[1:]:
        cells = row.split(",")
        if cells[0] == "FO1":
            cells[header.index("stage")] = "talk"
        if cells[0] == "FO2":
            cells[header.index("amount")] = "45.00"
        if cells[0] == "FO3":
            cells[header.index("stage")] = "follow-up"
            cells[header.index("outcome")] = "saved"
        edited.append(",".join(cells))
    sheet.write_text("\n".join(edited) + "\n")
    capsys.readouterr()
    assert main(["--db", str(board_file), "import", str(sheet), "--replace"]) == 0, (
        capsys.readouterr().err
    )
    after = Board(Store(board_file))
    first = after.get("FO1")
    assert first.stage is Stage.TALK
    assert (first.ticket, first.reason, first.requested_at, first.escalated_at) == (
        "",
        "",
        None,
        None,
    )
    assert first.entered_stage_at >= escalated  # entered now, not at its old stage's time
    assert after.get("FO2").refund_cents == 4500  # a cancellation refunds all of it
    assert after.get("FO3").follow_up_due is not None  # as a move into follow-up sets it
