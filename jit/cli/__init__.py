"""The click command line. Click only: each command parses flags, then calls a plain
``run(...) -> int`` function in ``jit.commands`` (imported lazily to keep start-up fast)."""

from __future__ import annotations

import click

from jit import __version__
from jit.cli._errors import handle_errors


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jit")
def cli() -> None:
    """Just-in-time access as a GitOps workflow: request, approve, grant, revoke, audit."""


def _register() -> None:
    from jit.cli import audit, check, doctor, pr, reconcile, requester, unwrap

    cli.add_command(check.check)
    cli.add_command(pr.pr)
    cli.add_command(reconcile.reconcile)
    cli.add_command(reconcile.drift)
    cli.add_command(doctor.doctor)
    cli.add_command(unwrap.unwrap)
    cli.add_command(audit.audit)
    cli.add_command(requester.resources)
    cli.add_command(requester.request)
    cli.add_command(requester.status)
    cli.add_command(requester.release)


_register()


#: The variable click's shell completion reads (``eval "$(_JIT_COMPLETE=bash_source jit)"``).
COMPLETE_VAR = "_JIT_COMPLETE"


def main() -> None:
    """Run the command line with standard output and error redacted line by line
    (``jit.redact.RedactingWriter``): every channel a command, the error handler or logging
    prints to goes through the one redactor."""
    import os
    import sys

    from jit.redact import RedactingWriter

    if os.environ.get(COMPLETE_VAR):
        # Shell completion (``_JIT_COMPLETE=bash_source jit``) prints the shell's script or
        # the names of commands and flags, as bytes, runs no command, and exits.
        cli.main(prog_name="jit", complete_var=COMPLETE_VAR)
    out, err = sys.stdout, sys.stderr
    sys.stdout = RedactingWriter(out)
    sys.stderr = RedactingWriter(err)
    try:
        handle_errors(cli)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = out, err
