"""Every requester command's ``--help`` shows a runnable example, unwrapped, and its exit
codes."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from jit.cli import cli


@pytest.mark.parametrize(
    ("command", "example"),
    [
        ("resources", "    jit resources --mine\n"),
        ("request", "    jit request prod-db-readonly --duration 2h --ticket INC-4711 \\\n"),
        ("status", "    git pull && jit status\n"),
        ("release", "    jit release incident-4711\n"),
    ],
)
def test_help_has_an_example_and_the_exit_codes(command: str, example: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert example in result.output
    assert "Exit status: 0" in result.output


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_as_the_readme_says(
    shell: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from jit.cli import main

    monkeypatch.setattr(sys, "argv", ["jit"])
    monkeypatch.setenv("_JIT_COMPLETE", f"{shell}_source")
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    assert "_JIT_COMPLETE" in capsys.readouterr().out


def test_completion_names_the_requester_commands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from jit.cli import main

    monkeypatch.setattr(sys, "argv", ["jit"])
    monkeypatch.setenv("_JIT_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "jit re")
    monkeypatch.setenv("COMP_CWORD", "1")
    with pytest.raises(SystemExit):
        main()
    shown = capsys.readouterr().out
    for command in ("resources", "request", "release", "reconcile"):
        assert f"plain,{command}" in shown
