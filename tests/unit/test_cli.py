"""The command line: its output, its JSON contract, and its one-line errors (exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import stored_orders
from tui import __version__
from tui.cli import default_db, main


def run(db: Path, *args: str) -> int:
    return main(["--db", str(db), *args])


def test_add_list_move_and_entries(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            db_path,
            "add",
            "FO5B2A1C3D4E",
            "--buyer",
            "jane",
            "--amount",
            "25",
            "--due",
            "2026-12-01",
        )
        == 0
    )
    assert run(db_path, "move", "FO5B2A1C3D4E", "requested") == 0
    assert run(db_path, "note", "FO5B2A1C3D4E", "private [b]") == 0
    assert run(db_path, "message", "FO5B2A1C3D4E", "hello", "--from", "me") == 0
    assert run(db_path, "lesson", "FO5B2A1C3D4E", "ask early", "--tags", "#scope") == 0
    capsys.readouterr()
    assert run(db_path, "list", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    row = rows[0]
    for key in (
        "order",
        "buyer",
        "gig",
        "amount",
        "currency",
        "due",
        "stage",
        "outcome",
        "entered_stage_at",
        "revision",
    ):
        assert key in row
    assert (row["order"], row["amount"], row["stage"], row["outcome"]) == (
        "FO5B2A1C3D4E",
        "25.00",
        "requested",
        None,
    )
    assert row["reason"] == "other" and row["initiator"] == "me"
    assert (row["notes"], row["messages"], row["lessons"]) == (1, 1, 1)
    assert run(db_path, "list") == 0
    table = capsys.readouterr().out
    assert "FO5B2A1C3D4E" in table and "47h left" in table or "48h left" in table


def test_list_stage_all_and_archive(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(db_path, "add", "FO1", "--buyer", "a")
    run(db_path, "add", "FO2", "--buyer", "b")
    run(db_path, "move", "FO2", "closed", "--outcome", "saved")
    capsys.readouterr()

    def orders(*args: str) -> list[str]:
        assert run(db_path, "list", "--json", *args) == 0
        return [r["order"] for r in json.loads(capsys.readouterr().out)]

    assert orders() == ["FO1"]
    assert orders("--all") == ["FO1", "FO2"]
    assert orders("--stage", "closed") == ["FO2"]
    assert orders("--stage", "talk") == ["FO1"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["add", "FO1", "--buyer", "x", "--amount", "abc"], "amount"),
        (["add", "FO1", "--buyer", "x", "--amount", "-5"], "amount"),
        (["add", "FO1", "--buyer", "x", "--due", "2026-13-40"], "due"),
        (["add", "FO1", "--buyer", "x", "--currency", "dollars"], "currency"),
        (["add", "FO 1", "--buyer", "x"], "order"),
        (["add", "FO1", "--buyer", " "], "buyer"),
        (["add", "FO1"], "--buyer"),
        (["add", "FO0", "--buyer", "dup"], "order"),
        (["move", "FO0", "nowhere"], "STAGE"),
        (["move", "FO0", "closed"], "outcome"),
        (["move", "FO0", "follow-up", "--outcome", "cancelled-mutual"], "outcome"),
        (["move", "FO0", "requested", "--reason", "nope"], "reason"),
        (["move", "FO0", "requested", "--initiator", "cat"], "--initiator"),
        (["move", "FO0", "review"], "stage"),
        # Options a move does not record are refused, not dropped.
        (["move", "FO0", "closed", "--outcome", "saved", "--reason", "scope"], "reason"),
        (["move", "FO0", "closed", "--outcome", "saved", "--initiator", "buyer"], "initiator"),
        (["move", "FO0", "requested", "--ticket", "CS-1"], "ticket"),
        (["move", "FO0", "requested", "--reason-text", "x" * 2001], "--reason-text: at most"),
        (["move", "MISSING", "requested"], "order"),
        (["note", "FO0", "  "], "text"),
        (["note", "MISSING", "x"], "order"),
        (["message", "FO0", "x", "--from", "cat"], "--from"),
        (["list", "--stage", "nope"], "--stage"),
        (["frobnicate"], "COMMAND"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    db_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], field: str
) -> None:
    run(db_path, "add", "FO0", "--buyer", "someone")
    before = db_path.read_bytes()
    capsys.readouterr()
    assert run(db_path, *args) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("cancelboard: error:")
    assert field in lines[0]
    assert captured.out == ""
    assert db_path.read_bytes() == before


def test_a_bad_first_add_creates_no_file(db_path: Path) -> None:
    assert run(db_path, "add", "FO1", "--buyer", "x", "--amount", "abc") == 2
    assert not db_path.exists()


def test_history_prints_the_timeline(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(db_path, "add", "FO1", "--buyer", "jane")
    run(db_path, "move", "FO1", "requested", "--reason", "scope", "--initiator", "buyer")
    run(db_path, "move", "FO1", "follow-up", "--outcome", "cancelled-no-response")
    capsys.readouterr()
    assert run(db_path, "history", "FO1") == 0
    out = capsys.readouterr().out
    assert "created" in out
    assert "Talk to buyer -> Cancellation requested" in out
    assert "reason: scope, asked by buyer" in out
    assert "outcome: cancelled, no answer in 48 h" in out


BUYER_SAYS = (
    "I am cancelling because the designer never replied to my three emails about the"
    " logo colours, and the deadline for my launch has passed"
)
"""A buyer's message well past the 60 characters a history event keeps of it."""
PRIVATE = "called them: rude, and I suspect a chargeback attempt is coming, so keep evidence"


def test_history_prints_buyer_messages_whole_and_private_notes_cut(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The timeline for a CS ticket cut the buyer's words at 60 characters ("…my thr…").
    run(db_path, "add", "FO1", "--buyer", "jane")
    run(db_path, "message", "FO1", BUYER_SAYS, "--from", "buyer")
    run(db_path, "message", "FO1", "Hello,\n\nplease cancel.\n-- Jane", "--from", "buyer")
    run(db_path, "message", "FO1", "Sorry Jane, " + BUYER_SAYS.lower(), "--from", "me")
    run(db_path, "note", "FO1", PRIVATE)
    capsys.readouterr()
    assert run(db_path, "history", "FO1") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].endswith(f"  message · from buyer: {BUYER_SAYS}")
    assert lines[3].endswith("  message · from buyer: Hello,")
    assert lines[4:7] == ["", " " * 18 + "please cancel.", " " * 18 + "-- Jane"]
    assert lines[7].endswith(f"  message · to buyer: Sorry Jane, {BUYER_SAYS.lower()}")
    # A private note stays as the history recorded it, its start only.
    assert lines[8].endswith(f"  note · {PRIVATE[:60]}…")
    assert len(lines) == 9


def test_default_db_follows_env_then_platform(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CANCELBOARD_DB", str(tmp_path / "env.json"))
    assert default_db() == tmp_path / "env.json"
    monkeypatch.delenv("CANCELBOARD_DB")
    path = default_db()
    assert path.parts[-2:] == ("cancelboard", "board.json")


@pytest.mark.parametrize(
    ("argv", "opened"),
    [
        ([], "env.json"),
        (["--db", "a.json"], "a.json"),
        (["--db=b.json"], "b.json"),
        (["--db="], "env.json"),  # the parser's way: empty is the default
        (["--d", "c.json"], "c.json"),  # an abbreviation: the parser's way too
        (["--db", "~/d.json"], "~/d.json"),
    ],
)
def test_the_board_opens_on_the_file_asked_for(
    argv: list[str], opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.cli

    monkeypatch.setenv("CANCELBOARD_DB", str(tmp_path / "env.json"))
    monkeypatch.chdir(tmp_path)
    seen: list[Path] = []
    monkeypatch.setattr(tui.cli, "_open_board", lambda db: seen.append(db) or 0)
    assert main(argv) == 0
    expected = Path(opened).expanduser()
    assert seen == [tmp_path / expected if opened == "env.json" else expected]


@pytest.mark.parametrize("argv", [["--db"], ["--db", "-x"], ["--db", "a", "--bogus"]])
def test_a_bad_board_option_is_a_one_line_error(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.cli

    monkeypatch.setattr(tui.cli, "_open_board", lambda db: pytest.fail("opened"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cancelboard: error: ") and err.count("\n") == 1


def test_installed_script_version_and_help() -> None:
    exe = Path(sys.executable).parent / "cancelboard"
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"cancelboard {__version__}"
    helped = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
    for command in ("add", "list", "move", "note", "message", "lesson", "history"):
        assert command in helped.stdout
    module = subprocess.run(
        [sys.executable, "-m", "tui", "--version"], capture_output=True, text=True, check=True
    )
    assert module.stdout.strip() == version.stdout.strip()


def test_the_environment_variable_picks_the_board(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "cancelboard"
    db = tmp_path / "env" / "board.json"
    import os

    env = {**os.environ, "CANCELBOARD_DB": str(db)}
    subprocess.run(
        [str(exe), "add", "FO1", "--buyer", "x"], env=env, check=True, capture_output=True
    )
    assert json.loads(db.read_text())["orders"]
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    assert oct(db.parent.stat().st_mode & 0o777) == "0o700"


def test_text_that_is_not_utf8_is_refused_in_one_line_nothing_written(tmp_path: Path) -> None:
    # Its bytes were dropped when the text was cleaned, with exit 0: 'café' (Latin-1)
    # was stored as 'caf'.
    exe = Path(sys.executable).parent / "cancelboard"
    db = tmp_path / "board.json"
    args = [b"add", b"FO2", b"--buyer", b"x\x9by", b"--db", str(db).encode()]
    added = subprocess.run([str(exe).encode(), *args], capture_output=True, check=False)
    assert added.returncode == 2
    assert added.stderr == b"cancelboard: error: --buyer: not UTF-8 text (byte 2)\n"
    assert not db.exists()
    subprocess.run([str(exe), "add", "FO2", "--buyer", "x", "--db", str(db)], check=True)
    before = db.read_bytes()
    note = subprocess.run(
        [str(exe), "note", "FO2", "-", "--db", str(db)],
        input=b"caf\xe9 cr\xe8me",
        capture_output=True,
        check=False,
    )
    assert note.returncode == 2
    assert note.stderr.decode().count("\n") == 1
    assert "text: not UTF-8 text (byte 4 of standard input)" in note.stderr.decode()
    argv = [str(exe).encode(), b"note", b"FO2", b"caf\xe9", b"--db", str(db).encode()]
    note = subprocess.run(argv, capture_output=True, check=False)
    assert (note.returncode, note.stderr) == (
        2,
        b"cancelboard: error: TEXT: not UTF-8 text (byte 4)\n",
    )
    assert db.read_bytes() == before
    # A board file's name need not be UTF-8: it is a path, not text to keep.
    odd = tmp_path / os.fsdecode(b"b\xe9.json")
    subprocess.run([str(exe), "add", "FO3", "--buyer", "y", "--db", str(odd)], check=True)
    assert odd.exists()


@pytest.mark.parametrize("command", [["list"], ["list", "--json"], ["show", "FO1"], ["export"]])
def test_output_that_cannot_be_written_is_a_one_line_error(
    tmp_path: Path, command: list[str]
) -> None:
    # `list > /dev/full` ended in a traceback.
    exe = Path(sys.executable).parent / "cancelboard"
    db = tmp_path / "board.json"
    subprocess.run([str(exe), "add", "FO1", "--buyer", "x", "--db", str(db)], check=True)
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [str(exe), *command, "--db", str(db)], stdout=full, stderr=subprocess.PIPE, check=False
        )
    assert done.returncode == 2
    assert done.stderr == b"cancelboard: error: cannot write the output: No space left on device\n"


def test_export_never_overwrites_the_board_itself(db_path: Path) -> None:
    run(db_path, "add", "FO1", "--buyer", "x")
    before = db_path.read_bytes()
    assert run(db_path, "export", "-o", str(db_path), "--force") == 2
    assert db_path.read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [
        ["note", "A\x1b]0;PWNED\x07", "x"],
        ["move", "FO\x1b[2J9", "closed"],
        ["import", "f\x1b[31m.json"],
        ["export", "-o", "nodir\x1b[2J/x.json"],
    ],
)
def test_an_error_naming_typed_text_sends_no_escape_sequence_to_the_terminal(
    db_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    run(db_path, "add", "FO0", "--buyer", "someone")
    capsys.readouterr()
    assert run(db_path, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("cancelboard: error: ") and err.count("\n") == 1, err
    assert not any(ch in err for ch in "\x1b\x07"), repr(err)
    assert "PWNED" not in err and "[2J" not in err and "[31m" not in err


def test_list_cuts_a_wide_buyer_name_by_its_cells(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Cut at 20 characters, a CJK name took 40 columns and pushed the table apart.
    from tui.text import cell_width

    run(db_path, "add", "FO1", "--buyer", "日本語のバイヤー名前です日本語のバイヤー名前")
    run(db_path, "add", "FO2", "--buyer", "ann")
    capsys.readouterr()
    assert run(db_path, "list") == 0
    lines = capsys.readouterr().out.splitlines()
    wide, plain = lines[1], lines[2]
    buyer = wide[wide.index("日") : wide.index("…") + 1]
    assert cell_width(buyer) <= 20

    def column_of(line: str, text: str) -> int:
        return cell_width(line[: line.index(text)])

    assert column_of(wide, "0.00 USD") == column_of(plain, "0.00 USD")  # the columns line up


def test_show_prints_the_request_and_its_ticket(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It printed the number, buyer, amount and stage, then the entries: not why the
    # cancellation was asked, by whom, the CS ticket or the due date.
    run(db_path, "add", "FO1", "--buyer", "ann", "--due", "2026-12-20", "--gig", "Logo")
    run(db_path, "move", "FO1", "requested", "--reason", "scope", "--initiator", "buyer")
    run(db_path, "move", "FO1", "review", "--ticket", "CS-9")
    capsys.readouterr()
    assert run(db_path, "show", "FO1") == 0
    out = capsys.readouterr().out
    for line in (
        "gig: Logo",
        "due: 2026-12-20",
        "reason: Requirements or scope mismatch",
        "asked by: buyer",
        "CS ticket: CS-9",
    ):
        assert line in out.splitlines(), out


def test_a_partial_refund_of_all_of_the_amount_is_refused(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1200 on a 1200.00 EUR order was accepted as a partial refund (1500 was refused).
    run(db_path, "add", "FO1", "--buyer", "b", "--amount", "1200", "--currency", "EUR")
    before = db_path.read_bytes()
    capsys.readouterr()
    for refund, said in (
        ("1200", "refund: a partial refund must be less than the order's 1200.00 EUR"),
        ("1500", "refund: a partial refund must be less than the order's 1200.00 EUR"),
        ("0", "refund: a partial refund must be more than zero"),
    ):
        for stage in ("follow-up", "closed"):
            move = ["move", "FO1", stage, "--outcome", "partial-refund", "--refund", refund]
            assert run(db_path, *move) == 2
            assert capsys.readouterr().err == f"cancelboard: error: {said}\n"
            assert db_path.read_bytes() == before
    assert (
        run(db_path, "move", "FO1", "closed", "--outcome", "partial-refund", "--refund", "1199.99")
        == 0
    )
    capsys.readouterr()
    assert run(db_path, "show", "FO1", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["outcome"], shown["refund_cents"]) == ("partial-refund", 119999)


def test_a_card_moved_back_to_talk_shows_no_stale_request(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 'move X talk' from Follow up kept the reason, who asked and the follow-up date.
    run(db_path, "add", "FO1", "--buyer", "b")
    run(db_path, "move", "FO1", "requested", "--reason", "scope", "--initiator", "buyer")
    run(db_path, "move", "FO1", "follow-up", "--outcome", "cancelled-mutual")
    capsys.readouterr()
    assert run(db_path, "show", "FO1") == 0
    assert "follow up by" in capsys.readouterr().out
    assert run(db_path, "move", "FO1", "talk") == 0
    capsys.readouterr()
    assert run(db_path, "show", "FO1") == 0
    shown = capsys.readouterr().out
    assert shown.startswith("FO1  b  0.00 USD  [Talk to buyer]\n\nNotes:"), shown
    assert run(db_path, "history", "FO1") == 0
    assert "reason: scope, asked by buyer" in capsys.readouterr().out  # kept there
    assert run(db_path, "list", "--json") == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["stage"], row["reason"], row["initiator"], row["follow_up_due"]) == (
        "talk",
        "",
        None,
        None,
    )
    assert (row["requested_at"], row["outcome"]) == (None, None)


def test_list_counts_the_lessons_of_an_order_in_lessons(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Listed without their entries, every order in Lessons read "0 lessons" (its card, a
    # warning to write one, said "1 lesson").
    run(db_path, "add", "A1", "--buyer", "bob")
    run(db_path, "add", "A2", "--buyer", "eve")
    for number in ("A1", "A2"):
        run(db_path, "move", number, "follow-up", "--outcome", "saved")
        run(db_path, "move", number, "lessons")
    run(db_path, "lesson", "A2", "agree the scope first")
    run(db_path, "lesson", "A2", "ask for the brief")
    run(db_path, "note", "A1", "a note is not a lesson")
    capsys.readouterr()
    assert run(db_path, "list", "--stage", "lessons") == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["A1"].endswith("0 lessons")
    assert rows["A2"].endswith("2 lessons")


def test_a_partial_refund_of_an_order_with_no_amount_is_refused(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Added without its amount (0.00), an order took a "partial" refund of 250.00, and
    # the stats counted 250.00 refunded of 0.00.
    run(db_path, "add", "FO1", "--buyer", "zed")
    capsys.readouterr()
    assert (
        run(db_path, "move", "FO1", "follow-up", "--outcome", "partial-refund", "--refund", "250")
        == 2
    )
    assert capsys.readouterr().err == (
        "cancelboard: error: refund: the order's amount is not recorded: e (edit) sets it first\n"
    )
    assert stored_orders(db_path)["FO1"]["stage"] == "talk"
