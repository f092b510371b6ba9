"""The one handler that maps outcomes to exit codes (see ``jit.errors``)."""

from __future__ import annotations

import sys

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
        code = EXIT_BUG
    sys.exit(code if isinstance(code, int) else 0)


def _in_actions() -> bool:
    import os

    return os.environ.get("GITHUB_ACTIONS") == "true"


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
