"""Reading an access repository from disk."""

from __future__ import annotations

import os
from pathlib import Path

from jit.parse.repository import RequestFile, load_repo, read_file, relative, request_files
from jit.parse.yaml.loader import MAX_BYTES
from tests.parse.helpers import make_repo

GOOD = "requester: alice\nresource: k8s-view\nduration: 30m\nreason: Fine\n"


def test_load_repo_snapshot(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path,
        {
            "requests/README.md": "how to ask",
            "requests/alice/b.yaml": GOOD,
            "requests/alice/a.yaml": GOOD.replace("30m", "0m"),
        },
    )
    snapshot = load_repo(root, {"VAULT_ADDR": "https://vault.test"})
    assert [r.id for r in snapshot.requests] == ["requests/alice/b"]
    assert [(f.file, f.code) for f in snapshot.findings] == [
        ("requests/alice/a.yaml", "duration-zero")
    ]
    assert snapshot.files == ("requests/alice/a.yaml", "requests/alice/b.yaml")
    assert sorted(snapshot.policies.resources) == [
        "db-readonly",
        "group",
        "k8s-view",
        "office-hours",
        "token",
    ]
    assert snapshot.settings.vault.address == "https://vault.test"
    assert "test" in snapshot.settings.kubernetes


def test_request_files_in_path_order(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path, {"requests/bob/z.yaml": GOOD, "requests/alice/a.yaml": GOOD, "x/y.yaml": ""}
    )
    files = request_files(root)
    assert [f.path for f in files] == ["requests/alice/a.yaml", "requests/bob/z.yaml"]
    assert files[0] == RequestFile("requests/alice/a.yaml", GOOD.encode())
    again = request_files(root, [root / "requests/bob", root / "requests/bob/z.yaml"])
    assert [f.path for f in again] == ["requests/bob/z.yaml"]
    assert request_files(root, [root]) == files
    assert request_files(root, [root / "policies/cases.yaml"]) == []
    [outside] = request_files(root, [root / "x/y.yaml"])
    assert outside.raw is None and outside.finding is not None
    assert outside.finding.code == "not-a-request"


def test_no_requests_directory_means_no_requests(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {})
    (root / "requests").rmdir()
    assert request_files(root) == []
    assert load_repo(root, {}).findings == ()


def test_relative(tmp_path: Path) -> None:
    assert relative(tmp_path, tmp_path / "requests/a/b.yaml") == "requests/a/b.yaml"
    assert relative(tmp_path, tmp_path) == ""
    assert relative(tmp_path, tmp_path / "requests/../requests/x") == "requests/x"
    assert relative(tmp_path, tmp_path.parent) is None
    assert relative(tmp_path, tmp_path / "../elsewhere") is None


def test_read_file_limits(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_bytes(b"#" * (MAX_BYTES + 1))
    (tmp_path / "ok.yaml").write_bytes(b"a: 1\n")
    os.symlink(tmp_path / "ok.yaml", tmp_path / "link.yaml")
    big = read_file(tmp_path, "big.yaml", MAX_BYTES)
    assert not isinstance(big, bytes) and big.code == "file-too-large"
    assert f"{MAX_BYTES + 1:,} bytes" in big.message
    assert read_file(tmp_path, "ok.yaml", MAX_BYTES) == b"a: 1\n"
    link = read_file(tmp_path, "link.yaml", MAX_BYTES)
    assert not isinstance(link, bytes) and link.code == "symlink"
    missing = read_file(tmp_path, "missing.yaml", MAX_BYTES)
    assert not isinstance(missing, bytes) and missing.code == "unreadable"


def test_policy_directory_quirks(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {})
    (root / "policies/old.yml").write_text("resources: {}\n")
    (root / "policies/notes.txt").write_text("not a policy")
    (root / "policies/ca").mkdir()
    os.symlink(root / "policies/cases.yaml", root / "policies/linked.yaml")
    (root / "policies/settings.yaml").write_bytes(b"#" * (MAX_BYTES + 1))
    snapshot = load_repo(root, {})
    assert [(f.file, f.code, f.severity) for f in snapshot.findings] == [
        ("policies/linked.yaml", "symlink", "error"),
        ("policies/old.yml", "ignored-file", "warning"),
        ("policies/settings.yaml", "file-too-large", "error"),
        ("policies/cases.yaml", "unknown-cluster", "error"),
    ]
    assert "k8s-view" in snapshot.policies.invalid
