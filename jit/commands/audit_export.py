"""``jit audit export --format ndjson [--since CURSOR] [--cursor-file PATH]``.

The log is verified first (chain, HEAD and, in a git work tree, every committed HEAD): a
broken or rewritten log exports nothing and exits 1, since a SIEM should not ingest forged
history. Problems with grants (an overdue revocation) do not stop the export; they are
events the SIEM should see, and ``jit audit verify`` names them.

Events go to ``out``; the summary and the last cursor go to ``err``. With ``--cursor-file``
the cursor is read from the file when ``--since`` is not given, and written back (atomically)
after a successful export, so a cron job can ship only what is new each time.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TextIO

from jit.audit.export import Cursor, events, parse_cursor
from jit.commands.audit import DEFAULT_GRACE, check_log
from jit.errors import EXIT_OK, JitError, UsageError


def run_export(
    repo: Path,
    *,
    out: TextIO,
    err: TextIO,
    since: str | None = None,
    cursor_file: Path | None = None,
    fmt: str = "ndjson",
    git: bool | None = None,
    now: datetime | None = None,
) -> int:
    if fmt != "ndjson":
        raise UsageError(f"--format {fmt!r} is not one of ndjson")
    after = _start(since, cursor_file)
    if now is None:
        from jit.adapters.clock import now as clock

        now = clock()
    checked = check_log(repo, git=git, grace=DEFAULT_GRACE, now=now)
    result = checked.result
    if not result.chain.ok or result.checkpoint_problems:
        first = result.chain.first_broken
        problem = first.as_text() if first else result.violations[0].as_text()
        raise JitError(
            f"exporting the audit log of {repo}: it does not verify ({problem}); nothing was "
            "exported. Run `jit audit verify` to see every problem, and restore the log from "
            "git or a trusted clone"
        )
    count, last = 0, after
    for last, line in events(checked.log.lines(), after):  # noqa: B007 - last is used after
        out.write(line)
        count += 1
    out.flush()
    if result.violations:
        err.write(f"note: {len(result.violations)} grant problem(s) in the log (exported as "
                  "they are); run `jit audit verify`\n")  # fmt: skip
    shown = str(last) if last else "none (the log is empty)"
    err.write(f"exported {count} event(s); cursor: {shown}\n")
    if cursor_file is not None and last is not None and count:
        tmp = cursor_file.with_name(cursor_file.name + ".tmp")
        tmp.write_text(f"{last}\n", encoding="utf-8")
        tmp.replace(cursor_file)
    return EXIT_OK


def _start(since: str | None, cursor_file: Path | None) -> Cursor | None:
    if since is not None:
        return parse_cursor(since)
    if cursor_file is None or not cursor_file.exists():
        return None
    text = cursor_file.read_text(encoding="utf-8").strip()
    if not text:
        return None
    try:
        return parse_cursor(text)
    except JitError as exc:
        raise JitError(f"{cursor_file}:1: {exc}; delete the file to export everything") from None
