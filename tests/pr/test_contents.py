"""What a request PR may contain (jit.pr.contents): one test per rule, pure."""

from __future__ import annotations

import pytest

from jit.model import Policies, Principal, Request, Resource, Settings, VaultCredentials
from jit.ports import FileAtRef, PullFile
from jit.pr.contents import (
    check_file_type,
    check_requester,
    check_withdrawal,
    classify,
    is_request_path,
    is_request_pr,
    withdrawal_principals,
)


def _request(path: str = "requests/alice/x.yaml", requester: str = "alice") -> Request:
    return Request(
        id=path.removesuffix(".yaml"),
        path=path,
        requester=requester,
        resource="db",
        duration=3600,
        duration_text="1h",
        reason="r",
        positions={"requester": (1, 12), "": (1, 1)},
    )


def _codes(files: list[PullFile], on_main: set[str] | None = None) -> list[tuple[str, str]]:
    return [(f.file, f.code) for f in classify(files, on_main or set()).findings]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("requests/alice/x.yaml", True),
        ("requests/alice/x.yml", False),
        ("requests/x.yaml", False),
        ("requests/alice/deep/x.yaml", False),
        ("requests/alice/.yaml", False),
        ("requests/.hidden/x.yaml", False),
        ("requests/alice/.x.yaml", False),
        ("policies/x.yaml", False),
    ],
)
def test_request_path_shape(path: str, expected: bool) -> None:
    assert is_request_path(path) is expected


def test_added_and_removed_requests_are_sorted_out() -> None:
    files = [
        PullFile("requests/bob/old.yaml", "removed"),
        PullFile("requests/alice/b.yaml", "added"),
        PullFile("requests/alice/a.yaml", "copied", "requests/alice/z.yaml"),
        PullFile("requests/alice/same.yaml", "unchanged"),
    ]
    result = classify(files, set())
    assert result.added == ("requests/alice/a.yaml", "requests/alice/b.yaml")
    assert result.removed == ("requests/bob/old.yaml",)
    assert result.findings == ()


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("policies/databases.yaml", "pr-changes-policies"),
        ("schemas/request.schema.json", "pr-changes-schemas"),
        ("jit/schemas/request.schema.json", "pr-changes-schemas"),
        (".github/workflows/validate.yml", "pr-changes-workflows"),
        (".github/CODEOWNERS", "pr-changes-code"),
        ("jit/policy.py", "pr-changes-code"),
        ("pyproject.toml", "pr-changes-code"),
        ("README.md", "pr-changes-other"),
        ("requests/README.md", "pr-changes-other"),
        ("requests/alice/x.yml", "pr-not-a-request-file"),
    ],
)
def test_anything_but_a_request_is_rejected_with_split_advice(path: str, code: str) -> None:
    files = [PullFile("requests/alice/x.yaml", "added"), PullFile(path, "modified")]
    result = classify(files, set())
    assert [(f.file, f.code) for f in result.findings] == [(path, code)]
    assert result.findings[0].is_error
    assert "separate PR" in result.findings[0].message


def test_modified_request_is_immutable() -> None:
    assert _codes([PullFile("requests/alice/x.yaml", "modified")]) == [
        ("requests/alice/x.yaml", "request-modified")
    ]


def test_added_file_already_on_main_counts_as_modified() -> None:
    on_main = {"requests/alice/x.yaml"}
    assert _codes([PullFile("requests/alice/x.yaml", "added")], on_main) == [
        ("requests/alice/x.yaml", "request-modified")
    ]


def test_renamed_request_is_rejected() -> None:
    files = [PullFile("requests/alice/y.yaml", "renamed", "requests/alice/x.yaml")]
    assert _codes(files) == [("requests/alice/y.yaml", "request-renamed")]


def test_renaming_a_request_out_of_requests_is_rejected_twice() -> None:
    files = [PullFile("policies/x.yaml", "renamed", "requests/alice/x.yaml")]
    assert _codes(files) == [
        ("policies/x.yaml", "pr-changes-policies"),
        ("policies/x.yaml", "request-renamed"),
    ]


def test_renaming_a_policy_into_requests_is_rejected() -> None:
    files = [PullFile("requests/alice/x.yaml", "renamed", "policies/x.yaml")]
    assert _codes(files) == [
        ("requests/alice/x.yaml", "request-renamed"),
        ("policies/x.yaml", "pr-changes-policies"),
    ]


def test_request_pr_means_touching_requests() -> None:
    assert is_request_pr([PullFile("requests/alice/x.yaml", "added")])
    assert is_request_pr([PullFile("policies/x.yaml", "renamed", "requests/a/x.yaml")])
    assert not is_request_pr([PullFile("requests/README.md", "modified")])
    assert not is_request_pr([PullFile("jit/policy.py", "modified")])


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("symlink", "request-symlink"),
        ("submodule", "request-submodule"),
        ("dir", "request-not-a-file"),
        ("missing", "request-missing"),
    ],
)
def test_only_regular_files_are_requests(kind: str, code: str) -> None:
    finding = check_file_type(FileAtRef("requests/alice/x.yaml", kind))  # type: ignore[arg-type]
    assert finding is not None
    assert (finding.code, finding.severity) == (code, "error")


def test_regular_file_passes() -> None:
    assert check_file_type(FileAtRef("requests/alice/x.yaml", "file", b"x")) is None


def test_requester_must_be_the_author_case_insensitively() -> None:
    assert check_requester(_request(requester="Alice"), "alice") is None
    finding = check_requester(_request(requester="alice"), "mallory")
    assert finding is not None
    assert (finding.code, finding.line, finding.column) == ("requester-not-author", 1, 12)
    assert "'mallory'" in finding.message


POLICIES = Policies(
    {
        "db": Resource(
            id="db",
            description="d",
            grant=VaultCredentials("database/creds/x"),
            eligible=(Principal("acme/eng"),),
            max_duration=7200,
            revokers=(Principal("acme/sre"), Principal("carol")),
        )
    }
)
SETTINGS = Settings(revokers=(Principal("acme/security"), Principal("carol")))


def test_withdrawal_principals_join_resource_and_settings_revokers() -> None:
    principals = withdrawal_principals(_request(), POLICIES, SETTINGS)
    assert [p.name for p in principals] == ["acme/sre", "carol", "acme/security"]
    assert withdrawal_principals(None, POLICIES, SETTINGS) == SETTINGS.revokers


def test_withdrawing_your_own_request_is_allowed() -> None:
    assert check_withdrawal("requests/alice/x.yaml", _request(), "ALICE", (), {}) is None
    assert check_withdrawal("requests/alice/x.yaml", None, "alice", (), {}) is None


def test_withdrawing_someone_elses_request_needs_a_revoker() -> None:
    revokers = withdrawal_principals(_request(), POLICIES, SETTINGS)
    finding = check_withdrawal("requests/alice/x.yaml", _request(), "mallory", revokers, {})
    assert finding is not None
    assert finding.code == "withdraw-not-allowed"
    assert "acme/sre, carol, acme/security" in finding.message
    assert check_withdrawal("requests/alice/x.yaml", _request(), "Carol", revokers, {}) is None
    teams = {"acme/sre": frozenset({"Dave"}), "acme/security": frozenset()}
    assert check_withdrawal("requests/alice/x.yaml", _request(), "dave", revokers, teams) is None
    assert check_withdrawal("requests/alice/x.yaml", None, "erin", revokers, teams) is not None


def test_withdrawal_without_any_revokers_says_so() -> None:
    finding = check_withdrawal("requests/alice/x.yaml", None, "bob", (), {})
    assert finding is not None
    assert "nobody (no revokers are configured)" in finding.message
