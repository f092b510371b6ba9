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


def test_the_writer_redacts_whole_lines_even_when_written_in_pieces() -> None:
    import io

    from jit.redact import RedactingWriter, unredacted

    raw = io.StringIO()
    writer = RedactingWriter(raw)
    writer.write("token hvs.")
    writer.write("A" * 24 + " end\n")
    assert raw.getvalue() == "token [redacted] end\n"
    writer.write(f"::add-mask::{TOKEN}\n")  # the runner consumes it: it must pass as it is
    writer.write(f"next partial {JWT}")
    writer.flush()
    assert raw.getvalue().splitlines()[1:] == [f"::add-mask::{TOKEN}", "next partial [redacted]"]
    assert unredacted(writer) is raw and unredacted(raw) is raw
    assert writer.writable() and writer.encoding
    with pytest.raises(TypeError):
        writer.write(b"bytes")  # type: ignore[arg-type]


def test_a_comment_keeps_only_what_jit_posts_on_purpose() -> None:
    from jit.delivery import DeliveryPayload
    from jit.redact import redact_comment

    payload = DeliveryPayload("https://v", None, TOKEN, "alice-x-1", "2026-01-01T00:00:00+00:00")
    armored = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----"
    body = f"error {TOKEN}\n```json\n{payload.to_json()}\n```\n{armored}\n{JWT}"
    assert redact_comment(body) == (
        f"error [redacted]\n```json\n{payload.to_json()}\n```\n{armored}\n[redacted]"
    )
    forged_line = '{"wrap_token": "' + TOKEN + '", "PROMPT_COMMAND": "x"}'
    assert TOKEN not in redact_comment(forged_line)
