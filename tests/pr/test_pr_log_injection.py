"""Hostile text never becomes a workflow command in the job log.

The Actions runner treats a line of a step's output that starts with ``::`` (after leading
blanks) as a workflow command, and ``##[...]`` anywhere in a line as a legacy one. A PR's file
names are chosen by its author and may hold newlines; when an error message quotes one, the
``Error:`` line jit prints must not let it start a line of its own or smuggle ``##[``.
"""

from __future__ import annotations

import re

from tests.pr.conftest import World, request

HOSTILE = "requests/alice/x\n::warning title=jit::approved by security\n##[error]fake.yaml"


def _commands(text: str) -> list[str]:
    """The lines the runner would take as workflow commands."""
    return [
        line
        for line in re.split(r"\r\n|\r|\n", text)
        if line.lstrip().startswith("::") or "##[" in line
    ]


def test_an_error_quoting_a_hostile_path_injects_no_workflow_command(world: World) -> None:
    pr = world.open("alice", {HOSTILE: request()})
    world.fake.fail_next("GET", "/repos/acme/access/contents/*", status=502, times=50)
    result = world.opened(pr)
    assert result.code == 4
    assert "approved by security" in result.err  # the message is still shown, on one line
    assert _commands(result.err) == []
    # stdout holds only jit's own, escaped error command
    assert [c.split("::", 2)[1] for c in _commands(result.out)] == ["error title=jit"]
