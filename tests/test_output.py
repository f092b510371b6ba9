"""Findings as text, JSON and GitHub workflow commands."""

from __future__ import annotations

import json

from jit.findings import Finding
from jit.output import annotation, escape_data, escape_property, render, summary

OVER = Finding(
    "requests/alice/x.yaml",
    4,
    11,
    "duration-over-max",
    "error",
    "8h exceeds the 4h maximum for prod-db-readonly; ask for 4h or less",
)
NOTE = Finding("requests/a,b:c.yaml", None, None, "team-unresolved", "note", "50% done\r\nnext")
WARN = Finding("policies/x.yaml", 3, None, "never-approvable", "warning", "x")


def test_text_is_the_documented_line() -> None:
    assert render([OVER], "text") == (
        "requests/alice/x.yaml:4:11: error[duration-over-max]: 8h exceeds the 4h maximum for "
        "prod-db-readonly; ask for 4h or less\n"
    )
    assert (
        render([WARN, NOTE], "text").splitlines()[0]
        == "policies/x.yaml:3: warning[never-approvable]: x"
    )
    assert render([], "text") == ""


def test_json_is_a_list_of_findings() -> None:
    assert json.loads(render([OVER, NOTE], "json")) == [
        {
            "file": "requests/alice/x.yaml",
            "line": 4,
            "column": 11,
            "code": "duration-over-max",
            "severity": "error",
            "message": OVER.message,
        },
        {
            "file": "requests/a,b:c.yaml",
            "line": None,
            "column": None,
            "code": "team-unresolved",
            "severity": "note",
            "message": "50% done\r\nnext",
        },
    ]
    assert json.loads(render([], "json")) == []


def test_github_annotations() -> None:
    assert annotation(OVER) == (
        "::error file=requests/alice/x.yaml,line=4,col=11,title=jit duration-over-max::"
        + OVER.message
    )
    assert annotation(WARN) == "::warning file=policies/x.yaml,line=3,title=jit never-approvable::x"
    assert annotation(NOTE) == (
        "::notice file=requests/a%2Cb%3Ac.yaml,title=jit team-unresolved::50%25 done%0D%0Anext"
    )
    assert render([OVER, WARN], "github").count("\n") == 2


def test_escaping_cannot_inject_a_command() -> None:
    hostile = "x\n::error file=evil::pwned"
    line = annotation(Finding("f.yaml", 1, 1, "c", "error", hostile))
    assert "\n" not in line
    assert line.endswith("::x%0A::error file=evil::pwned")
    assert escape_data("%0A") == "%250A"
    assert escape_property("a:b,c%\r\n") == "a%3Ab%2Cc%25%0D%0A"


def test_summary_counts_each_severity() -> None:
    assert summary([OVER, NOTE, NOTE], 1, 6) == (
        "jit check: 1 request, 6 resources: 1 error, 0 warnings, 2 notes"
    )
    assert summary([], 2, 1) == "jit check: 2 requests, 1 resource: 0 errors, 0 warnings, 0 notes"
