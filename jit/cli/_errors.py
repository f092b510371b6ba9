"""The one handler that maps outcomes to exit codes (see ``jit.errors``)."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import TracebackType

import click

from jit import __version__
from jit.errors import EXIT_BUG, EXIT_USAGE, JitError
from jit.redact import log_line, redact_secrets


def handle_errors(command: click.Command) -> None:
    try:
        code = command.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = 130
    except click.UsageError as exc:
        exc.show()
        code = EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except JitError as exc:
        click.echo(f"Error: {log_line(str(exc))}", err=True)
        if _in_actions():
            click.echo(f"::error title=jit::{_escape(redact_secrets(str(exc)))}")
        code = exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the bug path, by design
        click.echo(
            f"jit {__version__} hit a bug: {type(exc).__name__}. This is a bug in jit, not in "
            "your files; please report it with the command you ran.",
            err=True,
        )
        for line in bug_report(exc.__traceback__):
            click.echo(log_line(line), err=True)
        code = EXIT_BUG
    sys.exit(code if isinstance(code, int) else 0)


#: The directory holding the ``jit`` package: jit's own files are shown relative to it.
_SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent


#: At most this many frames (the innermost) are listed; a runaway recursion has thousands.
MAX_FRAMES = 40


def bug_report(tb: TracebackType | None) -> list[str]:
    """Where a bug happened, fit to paste into an issue: the versions and one ``file:line
    function`` line per frame, most recent call last. No exception message, no source line
    and no values: any of them may hold a secret or hostile text."""
    frames = [(f.f_code.co_filename, line, f.f_code.co_name) for f, line in traceback.walk_tb(tb)]
    lines = [f"jit {__version__} on Python {sys.version.split()[0]}, most recent call last:"]
    if len(frames) > MAX_FRAMES:
        lines.append(f"  ... {len(frames) - MAX_FRAMES} earlier frame(s)")
    lines += [f"  {_where(file)}:{line} {name}" for file, line, name in frames[-MAX_FRAMES:]]
    return lines


def _where(filename: str) -> str:
    """``jit/commands/check.py`` for jit's own files; just the name for others (a path
    outside jit can name the user's home directory)."""
    path = Path(filename)
    try:
        relative = path.resolve().relative_to(_SOURCE_ROOT)
    except (OSError, ValueError):
        return path.name
    return relative.as_posix() if relative.parts[:1] == ("jit",) else path.name


def _in_actions() -> bool:
    import os

    return os.environ.get("GITHUB_ACTIONS") == "true"


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
