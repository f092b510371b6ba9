"""Every ``sh`` block in docs/auditors.md (and the README's auditor block) runs, as written,
in a real access repository (tests/docs/sample.py), exits 0 and prints what the doc says it
prints. Only the example ids are swapped for the sample's: a grant id's hash, a merge commit
and a PR number cannot be the same in two repositories. ``jit`` is this checkout's jit."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs import guide
from tests.docs.sample import Sample, build

AUDITORS = guide.ROOT / "docs" / "auditors.md"
README = guide.ROOT / "README.md"
EXAMPLE_GRANT = "alice-incident-4711-3f2a9c1d"
EXAMPLE_MERGE = "3f2a9c1d4e5f"
EXAMPLE_PR = "Jit-PR: 812"
#: Blocks that may rightly print nothing in a healthy repository (or write to a file).
MAY_BE_EMPTY = ('"revoke-failed"', "--format html >")
#: Blocks whose command reports on stderr by design (export: the count and the cursor).
REPORTS_ON_STDERR = re.compile(r"exported \d+ event\(s\); cursor: \d+:[0-9a-f]{64}\n")
#: Hex runs (hashes, commits, grant id suffixes) differ between repositories.
HEX = re.compile(r"[0-9a-f]{8,}")
JQ = shutil.which("jq")


def _blocks(path: Path) -> list[guide.Block]:
    return [b for b in guide.blocks(path.read_text(encoding="utf-8")) if b.info == "sh"]


def _cases() -> list[object]:
    cases: list[object] = []
    for path in (AUDITORS, README):
        for block in _blocks(path):
            if path == README and "jit audit" not in block.text:
                continue  # the README's other blocks install jit and run its tests
            name = f"{path.relative_to(guide.ROOT)}:{block.line}"
            cases.append(pytest.param(block, id=name))
    return cases


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return build(tmp_path_factory.mktemp("access"))


def _script(block: guide.Block, sample: Sample) -> str:
    text = (
        block.text.replace(EXAMPLE_GRANT, sample.grant_id)
        .replace(EXAMPLE_MERGE, sample.merge_commit[:12])
        .replace(EXAMPLE_PR, f"Jit-PR: {sample.pr}")
    )
    return f'set -o pipefail\njit() {{ "{sys.executable}" -m jit "$@"; }}\n{text}'


def test_the_docs_have_blocks_to_run() -> None:
    texts = [b.text for b in _blocks(AUDITORS)]
    assert len(texts) >= 10
    assert any("jit audit report" in t for t in texts) and any("jq " in t for t in texts)
    assert sum(EXAMPLE_GRANT in t for t in texts) >= 2 and any(EXAMPLE_MERGE in t for t in texts)


@pytest.mark.parametrize("block", _cases())
def test_a_documented_block_runs_and_prints_something(block: guide.Block, sample: Sample) -> None:
    if "jq " in block.text and JQ is None:
        pytest.skip("jq is not installed (Debian/Ubuntu: apt-get install -y jq)")
    done = subprocess.run(
        ["bash", "-c", _script(block, sample)],
        cwd=sample.root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"line {block.line}:\n{done.stdout}\n{done.stderr}"
    stderr = REPORTS_ON_STDERR.sub("", done.stderr) if "jit audit export" in block.text else ""
    assert stderr == "" if "jit audit export" in block.text else done.stderr == "", done.stderr
    if not any(marker in block.text for marker in MAY_BE_EMPTY):
        assert done.stdout.strip(), f"line {block.line} printed nothing:\n{block.text}"


def test_the_report_row_is_what_the_doc_describes(sample: Sample) -> None:
    done = _jit(sample, "audit", "report", "--since", "2026-11-01", "--until", "2026-11-30")
    assert done.returncode == 0, done.stderr
    rows = {line.split(" | ")[0].strip("| `"): line for line in done.stdout.splitlines()[2:]}
    assert (
        f"| #{sample.pr} | {sample.merge_commit[:12]} | accessor | revoked |"
        in (rows[sample.grant_id])
    )
    how = [line.split(" | ")[7] for line in rows.values()]
    assert (
        "withdrawn by @erin (revoker)" in how
        and "withdrawn by @mallory (neither requester nor revoker)" in how
    )
    lags = [tuple(line.split(" | ")[7:9]) for line in rows.values()]
    assert ("expired", "5400s") in lags
    assert rows["requests/alice/unapproved"].endswith("| denied |  |  |")


def _paired(path: Path) -> list[tuple[guide.Block, guide.Block]]:
    """Each ``sh`` block directly followed by a ``text`` block: a command and its output."""
    found = guide.blocks(path.read_text(encoding="utf-8"))
    return [
        (command, output)
        for command, output in itertools.pairwise(found)
        if command.info == "sh" and output.info == "text"
        and output.line - (command.line + command.text.count("\n")) <= 3
    ]  # fmt: skip


def test_the_documented_outputs_are_what_the_commands_print(sample: Sample, tmp_path: Path) -> None:
    """In a copy of the sample, in document order (the second export resumes the first);
    hex runs are masked, since hashes and commits differ from repository to repository."""
    if JQ is None:
        pytest.skip("jq is not installed (Debian/Ubuntu: apt-get install -y jq)")
    pairs = _paired(AUDITORS)
    assert len(pairs) >= 6
    copy = tmp_path / "copy"
    shutil.copytree(sample.root, copy)
    subprocess.run(["git", "clean", "-fdxq"], cwd=copy, check=True)  # what other tests wrote
    for command, output in pairs:
        done = subprocess.run(
            ["bash", "-c", _script(command, sample)],
            cwd=copy, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert HEX.sub("<hex>", done.stdout) == HEX.sub("<hex>", output.text), (
            f"docs/auditors.md:{output.line}"
        )


def test_the_chain_check_without_jit_ends_where_head_says(sample: Sample) -> None:
    if JQ is None:
        pytest.skip("jq is not installed (Debian/Ubuntu: apt-get install -y jq)")
    (block,) = [b for b in _blocks(AUDITORS) if "cat audit/HEAD" in b.text]
    done = subprocess.run(
        ["bash", "-c", block.text], cwd=sample.root, capture_output=True, text=True, check=False
    )
    computed, head = done.stdout.splitlines()
    assert computed == head and head.startswith('{"hash":"')


def test_the_one_entry_hash_check_prints_the_same_hash_twice(sample: Sample) -> None:
    (block,) = [b for b in _blocks(AUDITORS) if "sed -n 14p" in b.text]
    if JQ is None:
        pytest.skip("jq is not installed (Debian/Ubuntu: apt-get install -y jq)")
    done = subprocess.run(
        ["bash", "-c", block.text], cwd=sample.root, capture_output=True, text=True, check=False
    )
    summed, recorded = done.stdout.splitlines()
    assert summed.split()[0] == recorded and len(recorded) == 64


def test_verify_fails_and_names_the_line_of_an_edited_entry(sample: Sample, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sample.root, copy)
    month = copy / "audit" / "2026" / "11.jsonl"
    lines = month.read_text().splitlines(keepends=True)
    lines[13] = lines[13].replace('"seq":13', '"seq":13,"note":"x"')
    month.write_text("".join(lines))
    done = _jit(copy, "audit", "verify", "--no-git")
    assert done.returncode == 1
    assert "FAIL audit/2026/11.jsonl:14: seq 13: edited: its content does not match" in (
        done.stdout
    )


def _jit(where: Sample | Path, *args: str) -> subprocess.CompletedProcess[str]:
    root = where.root if isinstance(where, Sample) else where
    return subprocess.run(
        [sys.executable, "-m", "jit", *args], cwd=root, capture_output=True, text=True, check=False
    )
