"""What README.md and requests/README.md tell a requester works as written: the example request
passes the documented ``jit check`` command, the documented refusals happen, ``jit unwrap``
takes the comment as a file or pasted on standard input, works once and refuses another Vault,
and every flag in the README's command table is a real flag of that command."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from jit.cli import cli
from jit.errors import JitError
from tests.docs import guide
from tests.reconcile.world import World

README = guide.ROOT / "README.md"
REQUESTS = guide.ROOT / "requests" / "README.md"
EXAMPLE = "requests/alice/incident-4711.yaml"


def _run(args: list[str], *, stdin: str | None = None, env: dict[str, str] | None = None) -> int:
    """``jit ARGS`` in-process (so the fakes answer), mapped to its exit code as ``main`` does."""
    result = CliRunner().invoke(cli, args, input=stdin, env=env, standalone_mode=False)
    if isinstance(result.exception, JitError):
        return result.exception.exit_code
    if isinstance(result.exception, click.ClickException):
        return result.exception.exit_code
    assert result.exception is None, repr(result.exception)
    return int(result.return_value)


def _check_commands(path: Path) -> list[list[str]]:
    shown = re.findall(r"`(jit check [^`]+)`", path.read_text(encoding="utf-8"))
    found = [shlex.split(command)[1:] for command in shown if "[" not in command]  # no synopsis
    assert found, f"{path}: no `jit check ...` command to run"
    return found


def _yaml_example(path: Path) -> str:
    (block,) = [b for b in guide.blocks(path.read_text(encoding="utf-8")) if b.info == "yaml"]
    return block.text


@pytest.fixture
def access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled access repository, as the current directory."""
    for folder in ("policies", "schemas"):
        shutil.copytree(guide.ROOT / folder, tmp_path / folder)
    (tmp_path / "requests" / "alice").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("doc", [README, REQUESTS], ids=["README.md", "requests/README.md"])
def test_the_example_request_passes_the_documented_check(access: Path, doc: Path) -> None:
    (access / EXAMPLE).write_text(_yaml_example(doc))
    for args in _check_commands(doc):
        assert args == ["check", EXAMPLE, "--author", "alice"]
        assert _run(args) == 0
    assert _run(["check", EXAMPLE, "--author", "bob"]) == 1  # someone else's request


@pytest.mark.parametrize(
    ("line", "replacement"),
    [
        ("duration: 2h", "duration: 7200"),  # "Write durations with a unit"
        ("not_before: 2026-11-23T09:00:00Z", "not_before: 2026-11-23T09:00:00"),  # an offset
        ("reason:", "color: blue\nreason:"),  # "Only these keys are allowed"
    ],
)
def test_what_the_requester_guide_says_is_refused_is_refused(
    access: Path, line: str, replacement: str
) -> None:
    text = _yaml_example(REQUESTS)
    assert line in text
    (access / EXAMPLE).write_text(text.replace(line, replacement, 1))
    assert _run(["check", EXAMPLE, "--author", "alice"]) == 1


def test_a_file_name_outside_the_documented_characters_is_refused(access: Path) -> None:
    (access / "requests" / "alice" / "incident 4711.yaml").write_text(_yaml_example(REQUESTS))
    assert _run(["check", "requests/alice/incident 4711.yaml"]) == 1


def test_every_flag_in_the_readme_command_table_is_a_real_flag() -> None:
    rows = re.findall(r"^\| `(jit [^`]+)` \|", README.read_text(encoding="utf-8"), re.M)
    assert len(rows) >= 7
    for row in rows:
        words = row.split()
        path = [w for w in words[1:3] if re.fullmatch(r"[a-z]+", w)]
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group), row
            command = command.commands[name]
        real = {opt for param in command.params for opt in getattr(param, "opts", [])}
        real |= {opt for param in command.params for opt in getattr(param, "secondary_opts", [])}
        shown = set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", row.replace("/--", " --")))
        assert shown <= real, f"{row}: not flags of jit {' '.join(path)}: {shown - real}"


def test_unwrap_as_the_readme_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(tmp_path / "world", monkeypatch)
    try:
        first = world.request("alice", "incident-4711", "db-token")
        second = world.request("alice", "other", "db-token")
        assert world.run().code == 0
        key = str(world.keys["alice"].write(tmp_path / "id_ed25519"))
        comment = tmp_path / "comment.txt"
        comment.write_text(world.delivery(first.number))
        env = {"VAULT_ADDR": world.vault.address}
        # "Set VAULT_ADDR ..., then run jit unwrap comment.txt"; "it works once".
        assert (
            _run(["unwrap", "-i", key, "-o", str(tmp_path / "s.json"), str(comment)], env=env) == 0
        )
        assert json.loads((tmp_path / "s.json").read_text())
        assert _run(["unwrap", "-i", key, str(comment)], env=env) == 1
        # "jit unwrap refuses a delivery that names any other Vault"; nothing is spent.
        pasted = world.delivery(second.number)
        other = ["unwrap", "-i", key, "--vault-addr", "https://vault.elsewhere.example:8200"]
        assert _run(other, stdin=pasted) == 1
        # "paste the comment" (standard input), "or pass --vault-addr".
        out = tmp_path / "s.env"
        args = ["unwrap", "-i", key, "--vault-addr", world.vault.address, "--format", "env"]
        assert _run([*args, "-o", str(out)], stdin=pasted) == 0
        assert "VAULT_TOKEN=" in out.read_text()
    finally:
        world.close()


def _section(text: str, title: str) -> tuple[str, int]:
    """The section under ``## title``, and the number of lines above it."""
    start = text.index(f"\n## {title}\n") + 1
    end = text.find("\n## ", start)
    return text[start : end if end != -1 else None], text[:start].count("\n")


def _shown_commands() -> list[tuple[str, list[str]]]:
    """Every ``jit ...`` run in a shell block of the requester's and approver's guides (also
    inside ``$(...)``), as (where, words)."""
    readme = README.read_text(encoding="utf-8")
    sources = [
        ("README.md", *_section(readme, "For requesters")),
        ("README.md", *_section(readme, "For approvers")),
        ("requests/README.md", REQUESTS.read_text(encoding="utf-8"), 0),
    ]
    found = []
    for where, text, above in sources:
        for block in (b for b in guide.blocks(text) if b.info == "sh"):
            for command in guide.commands(block):
                for run in re.findall(r"(?:^|\$\(|&&|;)\s*(jit\s[^)]*)", command.text):
                    found.append(
                        (f"{where}:{above + command.line}", shlex.split(run, comments=True))
                    )
    return found


def test_every_command_the_requester_guides_show_is_real() -> None:
    shown = _shown_commands()
    assert {words[1] for _, words in shown} >= {"resources", "request", "unwrap", "status"}
    for where, words in shown:
        command: click.Command = cli
        for word in words[1:]:
            if not isinstance(command, click.Group) or word.startswith("-"):
                break
            assert word in command.commands, f"{where}: no command {word!r}"
            command = command.commands[word]
        real = {opt for param in command.params for opt in getattr(param, "opts", [])}
        flags = {w.split("=")[0] for w in words if w.startswith("-")}
        assert flags <= real, f"{where}: {' '.join(words)}: not flags: {flags - real}"
