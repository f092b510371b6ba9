"""Findings as text, JSON or GitHub Actions annotations. Pure: returns strings.

- text: ``requests/alice/x.yaml:4:11: error[duration-over-max]: 8h exceeds ...``
- json: a list of ``{file, line, column, code, severity, message}``
- github: ``::error file=...,line=...,col=...,title=jit <code>::message`` workflow commands,
  escaped as the Actions toolkit does, so a message cannot end the command early or inject
  another one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from jit.findings import Finding

Format = Literal["text", "json", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "github")

_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def render(findings: Sequence[Finding], fmt: Format) -> str:
    """``findings`` in ``fmt``; every format but json is one line per finding."""
    if fmt == "json":
        import json

        return json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        return "".join(annotation(f) + "\n" for f in findings)
    return "".join(f.as_text() + "\n" for f in findings)


def annotation(finding: Finding) -> str:
    """One ``::error``/``::warning``/``::notice`` workflow command for ``finding``."""
    props = [("file", finding.file)]
    if finding.line is not None:
        props.append(("line", str(finding.line)))
        if finding.column is not None:
            props.append(("col", str(finding.column)))
    props.append(("title", f"jit {finding.code}"))
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{_COMMAND[finding.severity]} {listed}::{escape_data(finding.message)}"


def escape_data(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF), as @actions/core does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: the message escapes plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def summary(findings: Iterable[Finding], requests: int, resources: int) -> str:
    """``jit check: 3 requests, 6 resources: 1 error, 0 warnings, 2 notes``."""
    counts = {"error": 0, "warning": 0, "note": 0}
    for finding in findings:
        counts[finding.severity] += 1
    parts = [_plural(counts[s], s) for s in ("error", "warning", "note")]
    return (
        f"jit check: {_plural(requests, 'request')}, {_plural(resources, 'resource')}: "
        + ", ".join(parts)
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
