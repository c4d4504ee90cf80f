"""The ``comment-guard`` command line: a thin shell over the public API.

    comment-guard check "Is 50 mg too much?" [--author NAME --email ADDRESS --url URL] [--json]
    comment-guard moderate EXPORT [-o OUT] [--format wxr|csv|jsonl] [--jobs N] [--policy NAME]
    comment-guard train DATA... --out DIR       (see comment_guard.cli_training)
    comment-guard evaluate --model DIR DATA...

Exit codes: 0 success; 1 some records could not be read or moderated (they are listed in
the error report); 2 usage error, or an input, key or model that cannot be used; 130
interrupted. A mistake is reported as one line on stderr, never a traceback.

Each group of subcommands is added by a ``register_*`` function taking the subparsers
object; the handler it sets as ``handler`` gets the parsed arguments and returns an exit
code. Options shared by groups (secret key, policy) have ``add_*_option`` helpers.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from comment_guard.errors import CommentGuardError

if TYPE_CHECKING:
    from comment_guard.batch.run import GuardFactory
    from comment_guard.policy import Policy
    from comment_guard.results import ModerationResult

PROG = "comment-guard"
EXIT_OK = 0
EXIT_RECORDS_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Environment variable holding the site secret used for commenter digests.
SECRET_KEY_ENV = "COMMENT_GUARD_SECRET_KEY"  # noqa: S105 - the variable's name, not a secret
POLICIES = ("default", "strict", "lenient")

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


class UsageError(Exception):
    """A mistake in how the command was called; reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (with a pointer to ``--help``), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- shared options ---------------------------------------------------------------------------


def add_secret_key_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--secret-key-file``; without it the key comes from the environment, or is made up."""
    parser.add_argument(
        "--secret-key-file",
        type=Path,
        metavar="PATH",
        help=f"file holding the site secret for commenter digests (default: ${SECRET_KEY_ENV}; "
        "without either, a throwaway key valid for this run only)",
    )


def add_policy_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--policy default|strict|lenient``."""
    parser.add_argument("--policy", choices=POLICIES, default="default", help="moderation policy (default: default)")


def read_secret_key(args: argparse.Namespace) -> tuple[bytes, bool]:
    """The secret key and whether it was made up for this run; raises :class:`UsageError`."""
    path: Path | None = args.secret_key_file
    if path is not None:
        try:
            key = path.read_bytes().strip()
        except OSError as exc:
            raise UsageError(f"cannot read the secret key file {path} ({exc.strerror or exc})") from exc
        if not key:
            raise UsageError(f"the secret key file {path} is empty")
        return key, False
    value = os.environ.get(SECRET_KEY_ENV, "").strip()
    if value:
        return value.encode("utf-8"), False
    return secrets.token_bytes(32), True


def make_policy(name: str) -> Policy:
    """The preset policy called ``name``."""
    from comment_guard.policy import Policy

    presets: dict[str, Callable[[], Policy]] = {
        "default": Policy.default,
        "strict": Policy.strict,
        "lenient": Policy.lenient,
    }
    return presets[name]()


def guard_factory(secret_key: bytes, policy: Policy) -> GuardFactory:
    """A picklable factory of guards with the shipped model (checked once here, so errors come early)."""
    from comment_guard.guard import CommentGuard
    from comment_guard.privacy import IdentityKey

    IdentityKey(secret_key)
    factory = functools.partial(CommentGuard.default, secret_key=secret_key, policy=policy)
    factory()  # loads and verifies the model now, in this process, rather than in every worker
    return factory


def _note(stream: TextIO, message: str) -> None:
    stream.write(f"{PROG}: {message}\n")


# --- check ------------------------------------------------------------------------------------


def register_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``check``: moderate one comment given on the command line."""
    parser = commands.add_parser(
        "check",
        help="moderate one comment and explain the decision",
        description="Moderate one comment: prints the decision, the risk scores and the reasons.",
    )
    parser.add_argument("text", help='the comment text ("-" reads it from standard input)')
    parser.add_argument("--author", help="the commenter's name")
    parser.add_argument("--email", help="the commenter's email address (used only for the digest)")
    parser.add_argument("--url", help="the commenter's website")
    parser.add_argument("--post-id", help="the post the comment is on")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_policy_option(parser)
    add_secret_key_option(parser)
    parser.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Handle ``check``."""
    from comment_guard.batch.records import Record, SourcePosition
    from comment_guard.batch.run import Moderated
    from comment_guard.batch.writers import result_row

    text = sys.stdin.read() if args.text == "-" else args.text
    key, made_up = read_secret_key(args)
    if made_up and args.email:
        _note(sys.stderr, "no secret key given; the commenter digest below is valid for this run only.")
    guard = guard_factory(key, make_policy(args.policy))()
    form = {"content": text, "author": args.author, "email": args.email, "url": args.url, "post_id": args.post_id}
    form = {name: value for name, value in form.items() if value is not None}
    result = guard.moderate(form, require_name_email=False)
    if args.json:
        row = result_row(Moderated(Record(SourcePosition("<command line>", 1), {}, {}), result))
        for position_key in ("record", "file", "line", "comment_id", "metadata"):
            row.pop(position_key)
        sys.stdout.write(json.dumps(row, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_result(result) + "\n")
    return EXIT_OK


def render_result(result: ModerationResult) -> str:
    """A moderator-readable account of one result: decision, scores, reasons, field errors."""
    decision = result.decision.value.upper()
    if result.effective_decision is not result.decision:
        decision += f" (log-only mode: acted on as {result.effective_decision.value})"
    lines = [f"Decision: {decision}"]
    if result.scores is not None:
        scores = [
            f"{name} {value:.2f}"
            for name, value in (("spam", result.scores.spam), ("misinformation", result.scores.misinformation))
            if value is not None
        ]
        lines.append("Scores:   " + ", ".join(scores))
    if result.commenter:
        lines.append(f"Commenter digest: {result.commenter}")
    if result.errors:
        lines.append("Problems:")
        lines += [f"  - {error.field}: {error.message}" for error in result.errors]
    elif result.reasons:
        lines.append("Reasons:")
        for reason in result.reasons:
            lines.append(f"  - {reason.code}: {reason.message}")
            if reason.detail:
                lines.append(f"      pushed up by: {reason.detail}")
    else:
        lines.append("Reasons:  no rule fired and both risks are low.")
    return "\n".join(lines)


# --- moderate ---------------------------------------------------------------------------------


def register_moderate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``moderate``: moderate every comment of an export file."""
    from comment_guard.batch.readers import FORMATS
    from comment_guard.batch.run import DEFAULT_CHUNK_SIZE

    parser = commands.add_parser(
        "moderate",
        help="moderate every comment of an export (WordPress WXR, CSV, JSON lines)",
        description=(
            "Moderate every comment of an export. Results go to OUT (JSON lines, or CSV when OUT ends in .csv), "
            "records that cannot be read to the error report, counts to standard output. Email addresses and "
            "IPs are never written unless --include-private is given."
        ),
    )
    parser.add_argument("export", type=Path, metavar="EXPORT", help="the export file")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="OUT", help="results file (default: EXPORT-NAME.results.jsonl here)"
    )
    parser.add_argument("--errors", type=Path, metavar="FILE", help="error report (default: OUT-NAME.errors.jsonl)")
    parser.add_argument("--format", choices=FORMATS, help="export format (default: from the extension)")
    parser.add_argument("--jobs", type=_positive, default=1, metavar="N", help="worker processes (default: 1)")
    parser.add_argument(
        "--chunk-size",
        type=_positive,
        default=DEFAULT_CHUNK_SIZE,
        metavar="N",
        help=f"records per chunk; duplicate and flood rules compare records within a chunk (default: "
        f"{DEFAULT_CHUNK_SIZE})",
    )
    add_policy_option(parser)
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run with the same options")
    parser.add_argument(
        "--include-private", action="store_true", help="also write email addresses and IPs (personal data!)"
    )
    parser.add_argument(
        "--require-name-email", action="store_true", help="reject comments without a name and email address"
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        type=_column,
        metavar="FIELD=NAME",
        help="CSV/JSON column holding a field, e.g. content=body (repeatable)",
    )
    parser.add_argument("--delimiter", default=",", type=_delimiter, help="CSV delimiter (default: ,)")
    parser.add_argument("--encoding", default="utf-8", help="CSV text encoding (default: utf-8)")
    parser.add_argument(
        "--fallback-encoding", metavar="ENCODING", help="re-decode CSV rows invalid in --encoding (e.g. cp1252)"
    )
    add_secret_key_option(parser)
    parser.set_defaults(handler=run_moderate)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _column(text: str) -> tuple[str, str]:
    field, sep, column = text.partition("=")
    if not sep or not field.strip() or not column.strip():
        raise argparse.ArgumentTypeError(f"expected FIELD=NAME such as content=body, got {text!r}")
    return field.strip(), column.strip()


def _delimiter(text: str) -> str:
    value = "\t" if text in {"\\t", "tab"} else text
    if len(value) != 1:
        raise argparse.ArgumentTypeError(f"expected one character (or 'tab'), got {text!r}")
    return value


def _errors_path(output: Path) -> Path:
    """``x.results.jsonl`` -> ``x.errors.jsonl``; ``x.csv`` -> ``x.errors.jsonl``."""
    stem = output.name
    for suffix in (".results.jsonl", ".results.csv", ".jsonl", ".csv"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return output.with_name(f"{stem}.errors.jsonl")


def run_moderate(args: argparse.Namespace) -> int:
    """Handle ``moderate``."""
    from comment_guard.batch.checkpoint import checkpoint_path
    from comment_guard.batch.job import ExportJob, run_export
    from comment_guard.batch.readers import CsvOptions, detect_format, open_export
    from comment_guard.privacy import IdentityKey

    output: Path = args.output or Path(f"{args.export.stem}.results.jsonl")
    errors: Path = args.errors or _errors_path(output)
    if len({output.resolve(), errors.resolve(), args.export.resolve()}) < 3:
        raise UsageError("EXPORT, the output and the error report must be three different files")
    if args.format is None:
        detect_format(args.export)
    open_export(args.export).close()  # a missing or unreadable export is reported before anything else
    key, made_up = read_secret_key(args)
    if made_up:
        if args.resume and checkpoint_path(output).exists():
            raise UsageError(
                f"--resume needs the secret key of the interrupted run: give it with --secret-key-file or ${SECRET_KEY_ENV}"
            )
        _note(
            sys.stderr,
            f"no secret key given (--secret-key-file or ${SECRET_KEY_ENV}); using a throwaway key: commenter "
            "digests are only stable within this run, and an interrupted run cannot be resumed.",
        )
    if args.include_private:
        _note(
            sys.stderr,
            f"WARNING: --include-private writes commenters' EMAIL ADDRESSES and IP ADDRESSES to {output}. "
            "That file is personal data: keep it private, share it with no one, delete it when done.",
        )
    job = ExportJob(
        export=args.export,
        output=output,
        errors=errors,
        export_format=args.format,
        csv_options=CsvOptions(
            columns=dict(args.column),
            delimiter=args.delimiter,
            encoding=args.encoding,
            fallback_encoding=args.fallback_encoding,
        ),
        include_private=args.include_private,
        require_name_email=args.require_name_email,
        jobs=args.jobs,
        chunk_size=args.chunk_size,
        settings={
            "policy": args.policy,
            "secret_key": IdentityKey(key).digest("batch-checkpoint", "secret key check"),
        },
    )
    factory = guard_factory(key, make_policy(args.policy))
    summary = run_export(job, guard_factory=factory, resume=args.resume)
    sys.stdout.write(summary.render() + "\n\n")
    sys.stdout.write(f"Results: {output}\nErrors:  {errors} ({summary.errors:,})\n")
    return EXIT_RECORDS_FAILED if summary.errors else EXIT_OK


# --- entry point ------------------------------------------------------------------------------


def register_training(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``train`` and ``evaluate`` (see :mod:`comment_guard.cli_training`, imported only here)."""
    from comment_guard.cli_training import register_training as register

    register(commands)


#: The subcommand groups, in ``--help`` order; training and evaluation add theirs here.
COMMAND_GROUPS: list[Register] = [register_check, register_moderate, register_training]


def build_parser(groups: Sequence[Register] = tuple(COMMAND_GROUPS)) -> argparse.ArgumentParser:
    """The ``comment-guard`` parser with a subcommand per registered group."""
    from comment_guard import __version__

    parser = _Parser(
        prog=PROG,
        description="Local, explainable moderation of blog comments: spam and medical-misinformation risk.",
        epilog="Exit codes: 0 ok, 1 some records failed (see the error report), 2 usage error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(
        title="commands", metavar="COMMAND", parser_class=_Parser
    )
    for register in groups:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (see the module docstring)."""
    parser = build_parser(COMMAND_GROUPS)
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except KeyboardInterrupt:
        _note(sys.stderr, "interrupted; run the same command with --resume to continue a moderate run.")
        return EXIT_INTERRUPTED
    except (UsageError, CommentGuardError) as exc:
        _note(sys.stderr, f"error: {_one_line(exc)}")
        return EXIT_USAGE
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        _note(sys.stderr, f"error: {exc.strerror or exc}{where}")
        return EXIT_USAGE


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


__all__ = [
    "COMMAND_GROUPS",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_RECORDS_FAILED",
    "EXIT_USAGE",
    "add_policy_option",
    "add_secret_key_option",
    "build_parser",
    "main",
    "read_secret_key",
    "register_check",
    "register_moderate",
    "register_training",
]
