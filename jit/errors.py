"""One error root and the exit codes every command shares.

- ``JitError``: something the user (or admin) can fix. Printed as ``Error: ...``; exit 1.
- ``UsageError``: a flag or argument jit cannot use (a bad value, a path outside the
  repository, an event ``jit pr`` does not handle). Printed the same way; exit 2. click's own
  parse errors (an unknown flag, a value not among the choices) also exit 2, printed by click.
- Anything else is a bug; exit 3 with a short "this is a bug" message.

``jit.cli._errors.handle_errors`` is the one place that prints them and sets the exit code.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_BUG = 3
#: An operational failure (GitHub, Vault or Kubernetes unreachable, a push that kept failing).
EXIT_OPERATIONAL = 4


class JitError(Exception):
    """A failure the user can fix. The message says what, where and how to fix it."""

    exit_code = EXIT_FINDINGS


class UsageError(JitError):
    """A flag or argument the command cannot use. The message names the flag and the fix."""

    exit_code = EXIT_USAGE


class OperationalError(JitError):
    """A remote service failed (after bounded retries). The next run continues the work."""

    exit_code = EXIT_OPERATIONAL

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable
