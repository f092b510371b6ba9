"""``python -S -m jit.commands.sweep_due``: is any grant due? Run by the scheduled sweep
before it installs anything (.github/workflows/reconcile.yml). Standard library only.

It reads the checkout (``state/grants/*.json``, ``policies/settings.yaml``, the request files
and, through one ``git log``, the commits that added them) and the clock, prints one line,
and appends ``due=true`` or ``due=false`` to ``--github-output``. It never decides "not due"
on doubt: when it cannot read what it needs it says so and answers ``due=true``, so the full
reconcile runs and reports the problem itself. Exit status 0, unless the arguments are wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from jit.adapters import clock
from jit.adapters.git import Git
from jit.errors import JitError
from jit.reconcile.due import Due, reminder_minutes, sweep_due
from jit.reconcile.state import StateStore
from jit.redact import redact_secrets

SETTINGS = "policies/settings.yaml"
REQUESTS = "requests/"


def decide(repo: Path, now: datetime) -> Due:
    """The decision for the checkout at ``repo`` (JitError or OSError when it cannot be made)."""
    added = Git(repo).added_commits(REQUESTS)
    on_disk = {p: c for p, c in added.items() if p.endswith(".yaml") and (repo / p).is_file()}
    records, unreadable = StateStore(repo).load_readable()
    settings_path = repo / SETTINGS
    settings = settings_path.read_text(encoding="utf-8") if settings_path.is_file() else None
    return sweep_due(on_disk, records, len(unreadable), now, reminder_minutes(settings))


def run(repo: Path, now: datetime, out: TextIO, github_output: Path | None) -> int:
    try:
        due = decide(repo, now)
        line = f"jit sweep: {due.summary()}"
        answer = due.due
    except (JitError, OSError, ValueError) as exc:
        line = (
            f"jit sweep: deciding from the checkout whether any grant is due in {repo}: {exc}. "
            "Running the full reconcile, which reports the problem."
        )
        answer = True
    out.write(redact_secrets(line) + "\n")
    if github_output is not None:
        with github_output.open("a", encoding="utf-8") as sink:
            sink.write(f"due={'true' if answer else 'false'}\n")
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -S -m jit.commands.sweep_due",
        description="Decide from the checkout whether a scheduled sweep has anything to do.",
    )
    parser.add_argument("--repo", type=Path, default=Path())
    parser.add_argument(
        "--github-output", type=Path, default=None, help="file to append due=true|false to"
    )
    args = parser.parse_args(argv)
    return run(args.repo, clock.now(), out or sys.stdout, args.github_output)


if __name__ == "__main__":  # pragma: no cover - exercised in a subprocess by the tests
    sys.exit(main())
