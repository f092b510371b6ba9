"""Findings: what a check found, pinned to a file and line. Findings are data, never exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem (or note) in one file.

    ``message`` is a whole sentence that says what is wrong and how to fix it, fit to post
    in a PR comment. ``code`` is a stable kebab-case id such as ``duration-over-max``.
    """

    file: str
    line: int | None
    column: int | None
    code: str
    severity: Severity
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def location(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def as_text(self) -> str:
        return f"{self.location()}: {self.severity}[{self.code}]: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    return any(f.is_error for f in findings)
