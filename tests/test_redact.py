from __future__ import annotations

import pytest

from jit.errors import JitError
from jit.redact import log_line, redact_secrets

TOKEN = "hvs." + "A" * 24
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqaXQifQ.c2lnbmF0dXJl"


def test_secret_looking_values_are_redacted() -> None:
    text = f"permission denied for {TOKEN} and {JWT}"
    assert redact_secrets(text) == "permission denied for [redacted] and [redacted]"


def test_log_line_is_one_line_without_workflow_commands() -> None:
    hostile = "requests/x\n::error::pwned\r\n##[warning]also"
    line = log_line(hostile)
    assert "\n" not in line and "\r" not in line
    assert "##[" not in line
    assert not line.startswith("::")
    assert "::error::pwned" in line  # still readable, just not at the start of a line


def test_the_error_handler_prints_a_redacted_single_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import click

    from jit.cli._errors import handle_errors

    @click.command()
    def boom() -> None:
        raise JitError(f"Vault said no to {TOKEN}\n::error::injected")

    monkeypatch.setattr("sys.argv", ["jit"])
    with pytest.raises(SystemExit) as exited:
        handle_errors(boom)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert err.count("\n") == 1 and err.startswith("Error: Vault said no to [redacted]")
