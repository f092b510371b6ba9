"""The entry contract: typed constructors, and the guard that keeps secrets out of the log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jit.audit import entries as E
from tests.audit.helpers import granted

WHEN = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)

WITHDRAWN = E.revoked(
    grant_id="g", reason="withdrawn", revoked_at=WHEN, lag_seconds=0, by="bob", by_role="revoker"
)

ALL_TYPES = [
    E.requested(request_id="r", requester="alice", resource="db", pr=1, merge_commit="ab12cd3"),
    E.denied(request_id="r", requester="alice", resource="db", pr=None, reasons=["No."]),
    E.issuing(grant_id="g", request_id="r", kind="vault-token"),
    granted("alice-db-0000aaaa"),
    E.delivery(grant_id="g", method="age-ssh", recipients_fingerprints=["SHA256:abc"]),
    E.delivery(grant_id="g", method="refused"),
    E.grant_failed(request_id="r", error="Vault is sealed.", retryable=True),
    E.grant_failed(request_id="r", grant_id="g", error="x", retryable=False),
    E.revoked(grant_id="g", reason="withdrawn", revoked_at=WHEN, lag_seconds=0, by="bob"),
    E.revoked(grant_id="g", reason="expired", revoked_at=WHEN, lag_seconds=12),
    *(
        E.revoked(
            grant_id="g", reason="withdrawn", revoked_at=WHEN, lag_seconds=0, by="x", by_role=role
        )
        for role in ("requester", "revoker", "neither")
    ),
    E.revoke_failed(grant_id="g", error="403", attempt=2),
    E.drift(what="binding jit-x exists but is not recorded"),
    E.drift(what="lease gone", grant_id="g"),
]


@pytest.mark.parametrize("payload", ALL_TYPES, ids=lambda p: str(p["type"]))
def test_every_constructor_makes_a_payload_the_log_accepts(payload: dict[str, object]) -> None:
    E.check_payload(payload)
    assert set(payload) - {"type"} >= E.REQUIRED[str(payload["type"])]


def test_optional_members_are_left_out_when_unknown() -> None:
    assert "by" not in E.revoked(grant_id="g", reason="expired", revoked_at=WHEN, lag_seconds=0)
    withdrawn = E.revoked(grant_id="g", reason="withdrawn", revoked_at=WHEN, lag_seconds=0, by="x")
    assert "by_role" not in withdrawn
    assert "grant_id" not in E.drift(what="x")
    assert "recipients_fingerprints" not in E.delivery(grant_id="g", method="none")


def test_granted_records_times_in_utc_and_approvers_sorted() -> None:
    payload = E.granted(
        grant_id="g", request_id="r", requester="a", resource="db", kind="vault-group", pr=7,
        merge_commit="abc1234", approvers=["zed", "amy"], auto_approved=False,
        granted_at=datetime.fromisoformat("2026-11-03T10:00:00+01:00"),
        expires_at=datetime.fromisoformat("2026-11-03T11:00:00+01:00"), handle={"group": "jit-g"},
    )  # fmt: skip
    assert payload["granted_at"] == "2026-11-03T09:00:00Z"
    assert payload["expires_at"] == "2026-11-03T10:00:00Z"
    assert payload["approvers"] == ["amy", "zed"]


@pytest.mark.parametrize(
    "key",
    ["token", "client_token", "wrap_token", "wrapping_token", "Token", "secret_id", "password",
     "db_passwd", "private_key", "credentials", "passphrase"],
)  # fmt: skip
def test_secret_looking_keys_are_refused_anywhere(key: str) -> None:
    for payload in (
        {**E.drift(what="x"), key: "v"},
        {**granted("alice-db-0000aaaa"), "handle": {"accessor": "a", key: "v"}},
        {**E.denied(request_id="r", requester="a", resource="d", pr=1, reasons=[]),
         "reasons": [{key: "v"}]},
    ):  # fmt: skip
        with pytest.raises(E.SecretInAuditError, match=key) as caught:
            E.check_payload(payload)
        assert "'v'" not in str(caught.value)


@pytest.mark.parametrize(
    "value",
    ["hvs.CAESIJ1b2c3d4e5f6g7h8i9j0kLmNoPqRsTuV", "s.abcdefghijklmnopqrstuvwx",
     "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
     "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN AGE ENCRYPTED FILE-----"],
)  # fmt: skip
def test_secret_looking_values_are_refused(value: str) -> None:
    with pytest.raises(E.SecretInAuditError) as caught:
        E.check_payload(E.grant_failed(request_id="r", error=f"Vault said {value}", retryable=True))
    assert value not in str(caught.value)


def test_handles_and_metadata_are_not_mistaken_for_secrets() -> None:
    for key in ("accessor", "lease_id", "token_role", "token_accessor", "group", "binding"):
        assert not E.is_secret_key(key)
    E.check_payload(granted("alice-db-0000aaaa", handle={"accessor": "hmac-accessor-0f3e"}))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"type": "nope"}, "is not one of"),
        ({"type": "drift"}, "lacks ['what']"),
        ({**E.drift(what="x"), "extra": 1}, "unknown members ['extra']"),
        ({**E.drift(what="x"), "seq": 3}, "'seq' is assigned by the log"),
        ({**granted("g-1"), "handle": {"hash": "x"}}, "'hash' is assigned by the log"),
        ({**E.drift(what="x"), "what": 1.5}, "float is not allowed"),
        ({**E.drift(what="x"), "what": {1: "x"}}, "keys must be strings"),
        ({**E.drift(what="x"), "what": "\udc80"}, "not valid Unicode"),
        ({**WITHDRAWN, "by_role": "admin"}, "by_role 'admin' is not one of"),
        ({**WITHDRAWN, "by_role": None}, "by_role None is not one of"),
        ({**WITHDRAWN, "by_role": "Revoker"}, "by_role 'Revoker' is not one of"),
        ({**WITHDRAWN, "by_role": "revoker", "by": None}, "by_role needs by"),
        ({k: v for k, v in WITHDRAWN.items() if k != "by"}, "by_role needs by"),
    ],
)
def test_payloads_outside_the_contract_are_refused(
    payload: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        E.check_payload(payload)
