"""Reading ``docs/admin.md`` the way the doc tests need it: its fenced blocks (with the
``<!-- marker -->`` line just above each), the shell commands in them, and marked tables."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "admin.md"
SETUP = ROOT / "docs" / "setup"
SHELLS = frozenset({"sh", "shell", "bash", "console"})

_FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
_MARKER = re.compile(r"^<!--\s*(.+?)\s*-->$")


@dataclass(frozen=True)
class Block:
    info: str  # the fence's language
    text: str  # the content, indentation of the fence removed, ending in a newline
    line: int  # 1-based line of the first content line
    marker: str | None  # "file: docs/setup/x.hcl" from a marker line right above the fence


@dataclass(frozen=True)
class Command:
    text: str  # one logical line: continuations joined
    line: int

    @property
    def words(self) -> list[str]:
        return shlex.split(self.text, comments=True)


def text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def blocks(source: str) -> list[Block]:
    lines = source.splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, info = opening.group(1), opening.group(2)
        above = lines[i - 1].strip() if i else ""
        marker = _MARKER.match(above)
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            i += 1
        start = i - len(body) + 1
        found.append(Block(info, "\n".join(body) + "\n", start, marker and marker.group(1)))
        i += 1
    return found


def commands(block: Block) -> list[Command]:
    """The logical lines of a shell block, ``\\`` continuations joined, blank lines dropped."""
    found: list[Command] = []
    pending, first = "", 0
    for offset, raw in enumerate(block.text.splitlines()):
        if not pending:
            first = block.line + offset
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        joined = re.sub(r"\s+", " ", (pending + raw).strip())
        pending = ""
        if joined:
            found.append(Command(joined, first))
    return found


def shell_commands(source: str) -> list[Command]:
    return [c for b in blocks(source) if b.info in SHELLS for c in commands(b)]


def marked_table(source: str, marker: str) -> list[list[str]]:
    """The body rows of the table that follows ``<!-- marker -->``, as lists of cell texts."""
    lines = source.splitlines()
    start = lines.index(f"<!-- {marker} -->") + 1
    rows: list[list[str]] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return [row for row in rows[2:]]  # without the header and its --- line


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)
