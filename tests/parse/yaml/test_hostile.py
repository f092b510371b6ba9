"""The issue's hostile-input list, one by one: each is refused with a finding on the right
file (and line, where there is one) and never crashes the run. All at once, too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.parse.helpers import check, make_repo

GOOD = "requester: alice\nresource: k8s-view\nduration: 30m\nreason: Fine\n"


def body(**fields: str) -> str:
    values = {"requester": "alice", "resource": "k8s-view", "duration": "30m", "reason": "x"}
    values.update(fields)
    return "".join(f"{k}: {v}\n" for k, v in values.items())


HOSTILE: dict[str, tuple[str, bytes | str, str, int | None]] = {
    # name: (path, content, expected code, expected line)
    "duplicate keys": ("requests/alice/a.yaml", GOOD + "duration: 8h\n", "duplicate-key", 5),
    "anchor": ("requests/alice/a.yaml", body(resource="&r k8s-view"), "yaml-anchor", 2),
    "alias": ("requests/alice/a.yaml", GOOD + "ticket: *r\n", "yaml-anchor", 5),
    "merge key": ("requests/alice/a.yaml", "<<: {requester: alice}\n" + GOOD, "yaml-merge-key", 1),
    "custom tag": ("requests/alice/a.yaml", body(reason="!shell rm -rf /"), "yaml-tag", 4),
    "several documents": ("requests/alice/a.yaml", GOOD + "---\n" + GOOD, "multiple-documents", 5),
    "list root": ("requests/alice/a.yaml", "- " + GOOD, "not-a-mapping", 1),
    "scalar root": ("requests/alice/a.yaml", "alice\n", "not-a-mapping", 1),
    "invalid UTF-8": (
        "requests/alice/a.yaml",
        GOOD.encode() + b"ticket: \xc0\xaf\n",
        "invalid-utf8",
        5,
    ),
    "over 64 KiB": ("requests/alice/a.yaml", GOOD + "#" * 70_000 + "\n", "file-too-large", None),
    "yml extension": ("requests/alice/a.yml", GOOD, "not-yaml", None),
    "json file": ("requests/alice/a.json", "{}", "not-yaml", None),
    "README in a login directory": ("requests/alice/README.md", "# hi\n", "not-yaml", None),
    "duration in seconds": ("requests/alice/a.yaml", body(duration="7200"), "wrong-type", 3),
    "duration as a float": ("requests/alice/a.yaml", body(duration="1e9"), "wrong-type", 3),
    "requester as a list": ("requests/alice/a.yaml", body(requester="[a]"), "wrong-type", 1),
    "zero duration": ("requests/alice/a.yaml", body(duration="0m"), "duration-zero", 3),
    "negative duration": ("requests/alice/a.yaml", body(duration="-30m"), "invalid-duration", 3),
    "absurd duration": ("requests/alice/a.yaml", body(duration="99999d"), "duration-too-long", 3),
    "timestamp without offset": (
        "requests/alice/a.yaml",
        body(not_before="2026-11-25T09:00:00"),
        "timestamp-without-offset",
        5,
    ),
    "invalid login": ("requests/-x/a.yaml", body(requester="-x"), "invalid-login", 1),
    "directory differs": ("requests/alice/a.yaml", body(requester="bob"), "requester-mismatch", 1),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_each_hostile_input_is_refused(name: str, tmp_path: Path) -> None:
    path, content, code, line = HOSTILE[name]
    root = make_repo(tmp_path, {path: content})
    exit_code, findings, _ = check(root)
    hits = [f for f in findings if f["code"] == code and f["file"] == path]
    assert hits, findings
    assert hits[0]["line"] == line
    assert exit_code == 1


def test_all_at_once_each_on_its_own_file(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {}
    for index, (path, content, _, _) in enumerate(HOSTILE.values()):
        directory, _, name = path.rpartition("/")
        files[f"{directory}/{index}-{name}"] = content
    files["requests/alice/good.yaml"] = GOOD
    root = make_repo(tmp_path, files)
    exit_code, findings, summary = check(root)
    assert exit_code == 1
    flagged = {f["file"] for f in findings if f["severity"] == "error"}
    assert flagged == {p for p in files if p != "requests/alice/good.yaml"}
    assert f"{len(files)} requests" in summary


def test_symlinked_request_file_is_refused_unread(tmp_path: Path) -> None:
    secret = tmp_path / "outside.yaml"
    secret.write_text(GOOD)
    root = make_repo(tmp_path / "repo", {})
    (root / "requests/alice").mkdir()
    os.symlink(secret, root / "requests/alice/a.yaml")
    exit_code, findings, _ = check(root)
    assert [(f["file"], f["code"]) for f in findings] == [("requests/alice/a.yaml", "symlink")]
    assert exit_code == 1


def test_symlinked_directory_is_refused_and_not_followed(tmp_path: Path) -> None:
    elsewhere = make_repo(tmp_path / "elsewhere", {"requests/alice/a.yaml": GOOD})
    root = make_repo(tmp_path / "repo", {})
    os.symlink(elsewhere / "requests/alice", root / "requests/alice")
    exit_code, findings, _ = check(root)
    assert [(f["file"], f["code"]) for f in findings] == [("requests/alice", "symlink")]
    exit_code, findings, _ = check(root, root / "requests/alice/a.yaml")
    assert [(f["file"], f["code"]) for f in findings] == [("requests/alice", "symlink")]
    assert exit_code == 1


def test_requests_readme_is_not_a_request(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"requests/README.md": "# How to ask\n"})
    assert check(root)[:2] == (0, [])
    assert check(root, root / "requests/README.md")[:2] == (0, [])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {})
    (root / "requests/alice").mkdir()
    os.mkfifo(root / "requests/alice/a.yaml")
    exit_code, findings, _ = check(root)
    assert [f["code"] for f in findings] == ["not-a-file"]
    assert exit_code == 1
