"""The bug path (exit 3): where it happened, as ``file:line function`` lines, and nothing else."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jit import __version__
from jit.cli import main
from jit.cli._errors import MAX_FRAMES
from jit.durations import format_duration
from tests.parse.helpers import ROOT, make_repo

TOKEN = "hvs." + "Q" * 24
FRAME = re.compile(r"  \S+:\d+ \S+")
FIRST = (
    f"jit {__version__} hit a bug: {{}}. This is a bug in jit, not in your files; please "
    "report it with the command you ran."
)


def jit(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """Run ``jit ARGS`` as the console script does: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["jit", *args])
    with CliRunner().isolation() as (out, err, _):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        return int(code or 0), out.getvalue().decode(), err.getvalue().decode()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    request = "requester: alice\nresource: k8s-view\nduration: 30m\nreason: Fine\n"
    return make_repo(tmp_path, {"requests/alice/a.yaml": request})


def test_a_crash_deep_in_a_command_names_every_frame_down_to_the_raising_one(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def ticket(*_: object) -> None:
        format_duration(TOKEN)  # type: ignore[arg-type]  # a TypeError inside jit.durations

    monkeypatch.setattr("jit.policy.rules.ticket", ticket)
    code, out, err = jit(monkeypatch, "check", "--repo", str(repo))
    assert (code, out) == (3, "")
    first, versions, *frames = err.splitlines()
    assert first == FIRST.format("TypeError")
    assert versions == (
        f"jit {__version__} on Python {sys.version.split()[0]}, most recent call last:"
    )
    assert all(FRAME.fullmatch(f) for f in frames), frames
    names = [f.split()[-1] for f in frames]
    assert names[0] == "handle_errors"
    assert names[-3:] == ["evaluate", "ticket", "format_duration"]
    assert "run" in names and "judge" in names
    where = {f.split()[-1]: f.split()[0].rsplit(":", 1)[0] for f in frames}
    assert where["handle_errors"] == "jit/cli/_errors.py"
    assert where["judge"] == "jit/commands/check.py"
    assert where["evaluate"] == "jit/policy/engine.py"
    assert where["format_duration"] == "jit/durations.py"
    assert where["ticket"] == "test_bug_path.py"  # outside jit: the file name only
    raised_at = int(frames[-1].split()[0].rsplit(":", 1)[1])
    assert "seconds <= 0" in (ROOT / "jit/durations.py").read_text().splitlines()[raised_at - 1]
    assert TOKEN not in err and "not supported" not in err  # no exception message


def test_no_message_and_no_value_reaches_the_output(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def ticket(*_: object) -> None:
        password = TOKEN  # a local holding a secret
        raise RuntimeError(f"Vault answered 403 for {password} (also hvs-like: s.{'x' * 24})")

    monkeypatch.setattr("jit.policy.rules.ticket", ticket)
    code, out, err = jit(monkeypatch, "check", "--repo", str(repo))
    assert (code, out) == (3, "")
    assert err.splitlines()[0] == FIRST.format("RuntimeError")
    assert err.splitlines()[-1].endswith(" ticket")
    for leaked in (TOKEN, "Vault answered", "403", "password", "x" * 24):
        assert leaked not in err


def test_every_frame_line_passes_through_the_redactor(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    namespace: dict[str, object] = {}
    exec(compile("def ticket(*_):\n    raise KeyError()\n", f"/src/{TOKEN}.py", "exec"), namespace)
    monkeypatch.setattr("jit.policy.rules.ticket", namespace["ticket"])
    code, _, err = jit(monkeypatch, "check", "--repo", str(repo))
    assert code == 3
    assert TOKEN not in err
    assert err.splitlines()[-1] == "  [redacted].py:2 ticket"


def test_a_runaway_recursion_lists_only_the_innermost_frames(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def ticket(*_: object, depth: int = 0) -> None:
        if depth == 2 * MAX_FRAMES:
            raise ValueError
        ticket(depth=depth + 1)

    monkeypatch.setattr("jit.policy.rules.ticket", ticket)
    code, _, err = jit(monkeypatch, "check", "--repo", str(repo))
    lines = err.splitlines()
    assert code == 3
    assert re.fullmatch(r"  \.\.\. \d+ earlier frame\(s\)", lines[2])
    assert len(lines) == 3 + MAX_FRAMES
    assert all(line.endswith(" ticket") for line in lines[3:])
