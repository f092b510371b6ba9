"""Making text safe to log: secret-looking values redacted, one line, no workflow commands.

Used wherever jit prints or records text that may quote a service's error message (which can
echo what it was sent) or hostile text from a PR (a file name with line breaks). One place per
channel: ``RedactingWriter`` for standard output and error (installed by ``jit.cli``), and
``redact_comment``/``redact_secrets`` in the GitHub adapter (comments, statuses), the job
summary writer and the git adapter (commit messages).
"""

from __future__ import annotations

import io
import re
from typing import TextIO

#: Values that must never reach a log, a comment, a commit or the audit log.
SECRET_VALUE = re.compile(
    r"hv[sbr]\.[A-Za-z0-9_-]{20,}"  # Vault service, batch and recovery tokens
    r"|\bs\.[A-Za-z0-9]{24}\b"  # legacy Vault tokens
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"  # JWTs (service account tokens)
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|-----BEGIN AGE ENCRYPTED FILE-----"
)


def redact_secrets(text: str) -> str:
    """``text`` with every secret-looking part replaced by ``[redacted]``."""
    return SECRET_VALUE.sub("[redacted]", text)


def log_line(text: str) -> str:
    """``text`` as one log line the Actions runner cannot read as a workflow command: secrets
    redacted, no line breaks (so hostile text never starts a line with ``::``) and no ``##[``
    (legacy commands, matched anywhere in a line)."""
    flat = " ".join(redact_secrets(text).replace("\r", "\n").split("\n"))
    return flat.replace("##[", "#\u200b#[")


#: A workflow command the Actions runner consumes and never shows: how a value is *hidden* from
#: later lines, so it must reach the runner as it is.
ADD_MASK = "::add-mask::"
_ARMOR = re.compile(
    r"-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----", re.DOTALL
)
#: The one line of a plain-token delivery comment that holds its single-use wrapping token, as
#: ``DeliveryPayload.to_json`` writes it (the policy chose that fallback; ADR 0004).
_PLAIN_PAYLOAD = re.compile(
    r'^\{"expires_at": "[^"\n]*", "grant_id": "[a-z0-9-]{1,63}", "vault_addr": "[^"\n]*", '
    r'"vault_namespace": (?:null|"[^"\n]*"), "wrap_token": "[^"\n]*"\}$',
    re.MULTILINE,
)


def redact_line(line: str) -> str:
    """One line for standard output or error: secrets redacted, except in ``::add-mask::``."""
    return line if line.startswith(ADD_MASK) else redact_secrets(line)


def redact_comment(body: str) -> str:
    """A PR comment with every secret-looking part redacted, except what jit posts on purpose:
    an age-encrypted delivery (ciphertext, readable only with the requester's key) and the
    payload line of a plain wrapping-token delivery."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _PLAIN_PAYLOAD.sub(keep, _ARMOR.sub(keep, body.replace("\x00", "")))
    text = redact_secrets(text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


class RedactingWriter(io.TextIOBase):
    """A text stream that writes whole lines, each through ``redact_line``, to ``raw``.

    What the command line puts in place of standard output and error, so every line jit
    prints (messages, reports, findings, ``::error`` annotations, logging) is redacted in one
    place. A line is held until it ends (or the stream is flushed), so a secret written in
    pieces is still seen whole.
    """

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw
        self._pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.raw, "encoding", None) or "utf-8")

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            self.raw.write("".join(redact_line(line) + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.raw.write(redact_line(self._pending))
            self._pending = ""
        self.raw.flush()


def unredacted(stream: TextIO) -> TextIO:
    """The stream under a ``RedactingWriter``: only for the one output that *is* a secret (the
    unwrapped credential ``jit unwrap`` prints on purpose)."""
    if isinstance(stream, RedactingWriter):
        stream.flush()
        return stream.raw
    return stream


def text_refusal(value: str) -> str | None:
    """Why the audit log's guard refuses ``value`` as a string anywhere in an entry, or None.
    The one predicate: ``jit.audit.entries`` applies it to every string it appends, and the
    request checks (``jit.parse.request``) to every field that reaches the log or a comment, so
    hostile text is judged before it gets there. It lives here, in the base layer, so that
    both can use it."""
    if SECRET_VALUE.search(value):
        return "it looks like a token or key (a Vault token, a JWT or a private key)"
    try:
        value.encode()
    except UnicodeEncodeError:
        return "it is not valid Unicode text"
    return None
