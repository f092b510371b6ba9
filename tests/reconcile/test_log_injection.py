"""A hostile request file name never becomes a workflow command in ``jit reconcile``'s output.

The Actions runner reads a line of a step's output that starts with ``::`` (after leading
blanks) as a workflow command, and ``##[...]`` anywhere in a line as a legacy one. A file
merged under ``requests/`` may have a name with line breaks; the run's notes quote it.
"""

from __future__ import annotations

import re

from tests.reconcile.world import World

HOSTILE = "requests/mallory/x\n::error title=jit::approved by security\n##[warning]forged.yaml"


def _commands(text: str) -> list[str]:
    return [
        line
        for line in re.split(r"\r\n|\r|\n", text)
        if (line.lstrip().startswith("::") and not line.startswith("::add-mask::")) or "##[" in line
    ]


def test_a_hostile_file_name_injects_no_workflow_command(world: World) -> None:
    world.direct({HOSTILE: "requester: mallory\n"})
    result = world.run(GITHUB_ACTIONS="true")
    assert "forged.yaml" in result.out  # it is reported, on one line
    assert _commands(result.out) == []


def test_nor_in_a_dry_run(world: World) -> None:
    world.direct({HOSTILE: "requester: mallory\n"})
    result = world.run(dry_run=True)
    assert "forged.yaml" in result.out
    assert _commands(result.out) == []
