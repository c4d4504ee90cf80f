"""Tests for the comment-guard command line: help, exit codes, check, moderate, keys, privacy."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from batch_fakes import KeywordModel
from comment_guard import cli
from comment_guard.errors import ModelNotFoundError
from comment_guard.guard import CommentGuard
from comment_guard.privacy import IdentityKey

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample_export.xml"
KEY = "k" * 32


@pytest.fixture(autouse=True)
def keyword_guard(monkeypatch):
    """Make ``CommentGuard.default`` build the keyword-model guard, and clear the key variable."""

    def default(cls: type[CommentGuard], *, secret_key: Any, policy: Any = None, **_: Any) -> CommentGuard:
        return cls(KeywordModel(), identity_key=IdentityKey(secret_key), policy=policy)

    monkeypatch.setattr(CommentGuard, "default", classmethod(default))
    monkeypatch.delenv(cli.SECRET_KEY_ENV, raising=False)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _run_exit(capsys, *argv: str) -> tuple[int, str, str]:
    """Run a command that argparse ends with SystemExit (help, usage errors)."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(argv))
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [((), "moderate"), (("check",), "--email"), (("moderate",), "--include-private")],
    ids=["top-level", "check", "moderate"],
)
def test_help_is_available_everywhere(capsys, argv, expected):
    """``--help`` works for the program and each subcommand and exits 0."""
    code, out, _ = _run_exit(capsys, *argv, "--help")
    assert code == 0
    assert expected in out


def test_python_dash_m_runs_the_same_program():
    """``python -m comment_guard --help`` prints the program's help."""
    completed = subprocess.run(
        [sys.executable, "-m", "comment_guard", "--help"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0
    assert "comment-guard" in completed.stdout
    assert "check" in completed.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ("moderate",),
        ("moderate", "x.xml", "--jobs", "0"),
        ("moderate", "x.xml", "--jobs", "two"),
        ("moderate", "x.xml", "--format", "docx"),
        ("moderate", "x.xml", "--column", "content"),
        ("check",),
        ("frobnicate",),
    ],
    ids=["no-export", "zero-jobs", "word-jobs", "bad-format", "bad-column", "no-text", "unknown-command"],
)
def test_usage_errors_are_one_line_and_exit_2(capsys, argv):
    """A malformed command line gives exit code 2 and a single error line on stderr."""
    code, out, err = _run_exit(capsys, *argv)
    assert code == cli.EXIT_USAGE
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "error:" in err


def test_no_command_prints_help_and_exits_2(capsys):
    """Running with no subcommand shows the help on stderr, exit code 2."""
    code, _, err = _run(capsys)
    assert code == cli.EXIT_USAGE
    assert "commands" in err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("moderate", "missing.xml"), "does not exist"),
        (("moderate", "export.docx"), "Cannot tell the format"),
        (("moderate", str(SAMPLE), "--secret-key-file", "no-such-key"), "cannot read the secret key file"),
        (("moderate", str(SAMPLE), "-o", str(SAMPLE)), "three different files"),
        (("check", "hi", "--secret-key-file", "short.key"), "at least 16 bytes"),
    ],
    ids=["missing-export", "unknown-extension", "missing-key-file", "output-is-export", "short-key"],
)
def test_user_mistakes_are_one_line_without_traceback(capsys, tmp_path, monkeypatch, argv, fragment):
    """A mistake the user can fix exits 2 with one line saying what is wrong, never a traceback."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "export.docx").write_text("x")
    (tmp_path / "short.key").write_text("tooshort")
    code, _, err = _run(capsys, *argv)
    assert code == cli.EXIT_USAGE
    assert len(err.strip().splitlines()) == 1, err
    assert fragment in err
    assert "Traceback" not in err


def test_a_model_that_cannot_load_is_one_line(capsys, monkeypatch):
    """A missing model is reported in one line with exit code 2."""

    def broken(cls: Any, **_: Any) -> Any:
        raise ModelNotFoundError("The model directory /x does not exist.")

    monkeypatch.setattr(CommentGuard, "default", classmethod(broken))
    code, _, err = _run(capsys, "check", "hello")
    assert code == cli.EXIT_USAGE
    assert err.strip() == "comment-guard: error: The model directory /x does not exist."


def test_check_explains_the_decision(capsys):
    """``check`` prints the decision, both scores and each reason with what pushed it."""
    code, out, err = _run(capsys, "check", "Buy cheap ketamine here")
    assert code == 0
    assert out.splitlines()[0] == "Decision: SPAM"
    assert "Scores:   spam 0.99, misinformation 0.01" in out
    assert "  - spam_score: Spam risk 0.99" in out
    assert 'pushed up by: "buy" (+2.00)' in out
    assert err == ""


def test_check_reports_field_problems(capsys):
    """An invalid email makes ``check`` print REJECT and the field's message."""
    _, out, _ = _run(capsys, "check", "Hello", "--email", "not-an-address")
    assert out.splitlines()[0] == "Decision: REJECT"
    assert "  - email: " in out


def test_check_json_is_machine_readable(capsys):
    """``--json`` prints one JSON object with the decision, scores, reasons and public fields."""
    _, out, _ = _run(capsys, "check", "A question about dosing.", "--author", "Ann", "--json")
    result = json.loads(out)
    assert result["decision"] == "approve"
    assert result["spam"] == 0.01
    assert result["author"] == "Ann"
    assert "record" not in result


def test_check_reads_standard_input(capsys, monkeypatch):
    """A text of ``-`` is read from standard input."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("Win at the casino tonight"))
    _, out, _ = _run(capsys, "check", "-")
    assert out.startswith("Decision: SPAM")


@pytest.mark.parametrize(
    ("email", "noted"), [((), False), (("--email", "ann@example.com"), True)], ids=["no-email", "email"]
)
def test_check_mentions_a_throwaway_key_only_when_a_digest_is_shown(capsys, email, noted):
    """Without a key, ``check`` warns about digests only when an email makes one, and shows the digest."""
    _, out, err = _run(capsys, "check", "Hello", *email)
    assert ("valid for this run only" in err) is noted
    assert ("Commenter digest: " in out) is noted


def test_moderate_sample_export(capsys, tmp_path, monkeypatch):
    """``moderate`` writes results and an empty error report here, prints the summary, exits 0."""
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "moderate", str(SAMPLE))
    assert code == cli.EXIT_OK
    assert "52 records: 52 moderated, 0 could not be read or moderated" in out
    assert "Results: sample_export.results.jsonl" in out
    assert "throwaway key" in err
    rows = [json.loads(line) for line in (tmp_path / "sample_export.results.jsonl").read_text().splitlines()]
    assert len(rows) == 52
    assert (tmp_path / "sample_export.errors.jsonl").read_text() == ""
    assert not re.search(r"[\w.]+@example\.(com|org|net)", (tmp_path / "sample_export.results.jsonl").read_text())


def test_moderate_creates_the_output_folder(capsys, tmp_path):
    """``moderate -o out/results.jsonl`` creates ``out/`` as the README's main command needs."""
    output = tmp_path / "out" / "results.jsonl"
    code, _, _ = _run(capsys, "moderate", str(SAMPLE), "-o", str(output))
    assert code == cli.EXIT_OK
    assert len(output.read_text().splitlines()) == 52


def test_moderate_exits_1_when_records_fail(capsys, tmp_path):
    """Unreadable records are counted, reported in the error file, and make the exit code 1."""
    export = tmp_path / "in.csv"
    export.write_bytes(b"author,content\nAnn,hi\nBob,caf\xe9\n")
    code, out, _ = _run(capsys, "moderate", str(export), "-o", str(tmp_path / "out.csv"))
    assert code == cli.EXIT_RECORDS_FAILED
    assert f"Errors:  {tmp_path / 'out.errors.jsonl'} (1)" in out
    assert json.loads((tmp_path / "out.errors.jsonl").read_text())["code"] == "bad_encoding"


def test_include_private_warns_loudly(capsys, tmp_path):
    """``--include-private`` prints a warning naming the output and writes the addresses."""
    out_path = tmp_path / "out.jsonl"
    _, _, err = _run(capsys, "moderate", str(SAMPLE), "-o", str(out_path), "--include-private")
    assert "WARNING" in err
    assert "EMAIL ADDRESSES" in err
    assert str(out_path) in err
    assert "maria.lindqvist@example.com" in out_path.read_text()


def _digests(tmp_path: Path, capsys, *key_args: str) -> list[str]:
    out_path = tmp_path / "out.jsonl"
    _run(capsys, "moderate", str(SAMPLE), "-o", str(out_path), *key_args)
    return [json.loads(line)["commenter"] for line in out_path.read_text().splitlines()]


def test_a_secret_key_makes_digests_stable_across_runs(capsys, tmp_path, monkeypatch):
    """The same key file or environment key gives the same digests; no key gives new ones each run."""
    key_file = tmp_path / "site.key"
    key_file.write_text(KEY + "\n")
    from_file = _digests(tmp_path, capsys, "--secret-key-file", str(key_file))
    assert _digests(tmp_path, capsys, "--secret-key-file", str(key_file)) == from_file
    monkeypatch.setenv(cli.SECRET_KEY_ENV, KEY)
    assert _digests(tmp_path, capsys) == from_file
    monkeypatch.delenv(cli.SECRET_KEY_ENV)
    assert _digests(tmp_path, capsys) != from_file


def test_policy_option_changes_decisions(capsys, tmp_path):
    """``--policy strict`` holds the one-link comments the default policy approves."""
    counts = {}
    for policy in ("default", "strict"):
        out_path = tmp_path / f"{policy}.jsonl"
        _run(capsys, "moderate", str(SAMPLE), "-o", str(out_path), "--policy", policy)
        counts[policy] = sum(json.loads(line)["decision"] == "hold" for line in out_path.read_text().splitlines())
    assert counts["strict"] > counts["default"]


def _interrupted_run(capsys, tmp_path: Path, monkeypatch, *key_args: str) -> Path:
    """Run ``moderate`` with guards that raise KeyboardInterrupt at the 13th record; return the output path."""
    real_factory = cli.guard_factory
    moderated = {"count": 0}

    def crashing_factory(secret_key: bytes, policy: Any) -> Any:
        make = real_factory(secret_key, policy)

        def build() -> Any:
            guard = make()
            moderate = guard.moderate

            def interrupted(form: Any, /, **options: Any) -> Any:
                moderated["count"] += 1
                if moderated["count"] > 12:
                    raise KeyboardInterrupt
                return moderate(form, **options)

            guard.moderate = interrupted
            return guard

        return build

    monkeypatch.setattr(cli, "guard_factory", crashing_factory)
    out_path = tmp_path / "out.jsonl"
    code, _, err = _run(capsys, "moderate", str(SAMPLE), "-o", str(out_path), *key_args)
    monkeypatch.setattr(cli, "guard_factory", real_factory)
    assert code == cli.EXIT_INTERRUPTED
    assert "--resume" in err
    assert not out_path.exists()
    return out_path


def test_interrupted_run_resumes_from_the_command_line(capsys, tmp_path, monkeypatch):
    """Ctrl-C exits 130; the same command with ``--resume`` finishes the run without repeating records."""
    key_file = tmp_path / "site.key"
    key_file.write_text(KEY)
    out_path = _interrupted_run(capsys, tmp_path, monkeypatch, "--secret-key-file", str(key_file))
    code, _, err = _run(capsys, "moderate", str(SAMPLE), "-o", str(out_path), "--secret-key-file", str(key_file))
    assert code == cli.EXIT_USAGE
    assert "resume it (--resume)" in err
    code, out, _ = _run(
        capsys, "moderate", str(SAMPLE), "-o", str(out_path), "--resume", "--secret-key-file", str(key_file)
    )
    assert code == cli.EXIT_OK
    assert "52 records" in out
    records = [json.loads(line)["record"] for line in out_path.read_text().splitlines()]
    assert records == list(range(1, 53))


def test_resume_needs_the_same_key(capsys, tmp_path, monkeypatch):
    """Resuming a run without giving its secret key is refused with a one-line explanation."""
    key_file = tmp_path / "site.key"
    key_file.write_text(KEY)
    out_path = _interrupted_run(capsys, tmp_path, monkeypatch, "--secret-key-file", str(key_file))
    code, _, err = _run(capsys, "moderate", str(SAMPLE), "-o", str(out_path), "--resume")
    assert code == cli.EXIT_USAGE
    assert "needs the secret key" in err


def test_command_groups_can_be_extended():
    """A new register function adds a subcommand to the parser."""

    def register_hello(commands: Any) -> None:
        commands.add_parser("hello", help="say hello").set_defaults(handler=lambda args: 0)

    parser = cli.build_parser([*cli.COMMAND_GROUPS, register_hello])
    assert parser.parse_args(["hello"]).handler(None) == 0


def test_unwritable_output_is_one_line(capsys, tmp_path):
    """An output under a plain file (not a folder) exits 2 with the system's reason, in one line."""
    (tmp_path / "a-file").write_text("not a folder")
    code, _, err = _run(capsys, "moderate", str(SAMPLE), "-o", str(tmp_path / "a-file" / "out.jsonl"))
    assert code == cli.EXIT_USAGE
    assert err.strip().splitlines()[-1].startswith("comment-guard: error: ")
    assert "a-file" in err.strip().splitlines()[-1]
    assert "Traceback" not in err
