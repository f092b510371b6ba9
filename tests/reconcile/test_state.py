"""Grant records and grant ids."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jit.errors import JitError
from jit.reconcile.state import StateStore, format_time, grant_id, parse_time
from tests.reconcile.helpers import NOW, make

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def test_grant_id_follows_the_documented_rule() -> None:
    import hashlib

    commit = "0123456789abcdef" * 2 + "01234567"
    expected = hashlib.sha256(f"requests/alice/incident-4711\n{commit}".encode()).hexdigest()[:8]
    assert grant_id("requests/alice/incident-4711", commit) == f"alice-incident-4711-{expected}"
    assert grant_id("requests/Alice/Big_DB.access", commit).startswith("alice-big-db-access-")


@given(
    st.text(min_size=1, max_size=120),
    st.text(alphabet="0123456789abcdef", min_size=40, max_size=40),
)
def test_grant_ids_are_always_dns_labels(name: str, commit: str) -> None:
    gid = grant_id(f"requests/{name}", commit)
    assert len(gid) <= 63 and DNS_LABEL.match(gid), gid
    assert gid == grant_id(f"requests/{name}", commit)


def test_a_record_round_trips_and_holds_no_secret_field(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    record = make()
    assert store.write([record]) == ["state/grants/alice-db-1a2b3c4d.json"]
    assert store.load() == {record.grant_id: record}
    data = json.loads((tmp_path / "state/grants/alice-db-1a2b3c4d.json").read_text())
    assert data["expires_at"] == "2026-01-05T11:00:00Z" and data["status"] == "active"
    assert not [k for k in data if "token" in k or "secret" in k or "password" in k]


def test_an_empty_or_missing_directory_has_no_records(tmp_path: Path) -> None:
    assert StateStore(tmp_path, "elsewhere/").load() == {}


@pytest.mark.parametrize(
    "text",
    ["not json", '{"version": 2}', '{"version": 1, "kind": "vault-token"}', "[]"],
)
def test_a_damaged_record_is_an_error_naming_the_file(tmp_path: Path, text: str) -> None:
    (tmp_path / "state/grants").mkdir(parents=True)
    (tmp_path / "state/grants/x.json").write_text(text)
    with pytest.raises(JitError, match=r"state/grants/x\.json: reading the grant record"):
        StateStore(tmp_path).load()


def test_a_bad_handle_or_a_renamed_file_is_refused(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.write([make()])
    path = tmp_path / "state/grants/alice-db-1a2b3c4d.json"
    path.rename(tmp_path / "state/grants/other.json")
    with pytest.raises(JitError, match="not its file name"):
        store.load()
    data = json.loads((tmp_path / "state/grants/other.json").read_text())
    data["grant_id"], data["handle"] = "other", ["x"]
    (tmp_path / "state/grants/other.json").write_text(json.dumps(data))
    with pytest.raises(JitError, match="handle must be an object"):
        store.load()


def test_times_are_utc_with_z() -> None:
    assert format_time(NOW) == "2026-01-05T09:00:00Z"
    assert parse_time("2026-01-05T10:00:00+01:00") == NOW


def test_load_some_reads_only_the_records_asked_for(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.write([make("a-1"), make("b-2")])
    (tmp_path / "state/grants/broken.json").write_text("not json")
    assert sorted(store.load_some(["a-1", "missing", "a-1"])) == ["a-1"]
