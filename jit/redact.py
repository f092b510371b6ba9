"""Making text safe to log: secret-looking values redacted, one line, no workflow commands.

Pure. Used wherever jit prints or records text that may quote a service's error message (which
can echo what it was sent) or hostile text from a PR (a file name with line breaks).
"""

from __future__ import annotations

import re

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
