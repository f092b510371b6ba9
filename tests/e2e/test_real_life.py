"""The whole life of each Vault grant kind on a real OpenBao (and a real PostgreSQL):
``jit pr`` -> approval -> merge -> ``jit reconcile`` -> ``jit unwrap`` -> the secret works ->
expiry or withdrawal -> ``jit reconcile`` -> the access is really gone on the servers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import hvac
import hvac.exceptions
import pytest

from jit.adapters.vault.backend import VaultBackend
from jit.errors import JitError
from jit.reconcile import run as runner
from jit.reconcile.diff import ISSUING_LEASE
from tests.e2e.real import ORDERS_ROW, RealFlow
from tests.real.plugin import Database, Namespace
from tests.reconcile.helpers import Killed, kill_after

CREDS = "database/creds/orders-readonly"
READ_ORDERS = f"SELECT item FROM orders WHERE id = {ORDERS_ROW[0]}"


@pytest.fixture
def real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openbao: Namespace, postgres: Database
) -> Iterator[RealFlow]:
    flow = RealFlow(tmp_path, monkeypatch, openbao, postgres)
    try:
        yield flow
    finally:
        flow.close()


def granted(flow: RealFlow, login: str, name: str, resource: str) -> int:
    pr = flow.open(login, name, resource)
    opened = flow.validate(pr)
    assert (opened.code, opened.state) == (0, "pending"), opened.err
    flow.approve_and_merge(pr)
    result = flow.run()
    assert result.code == 0 and "1 granted" in result.out, result.out
    return pr.number


def revoked(flow: RealFlow) -> None:
    result = flow.run()
    assert result.code == 0 and "1 revoked" in result.out, result.out
    assert flow.records() == {}


def lease_live(flow: RealFlow, lease_id: str) -> bool:
    try:
        flow.root.sys.read_lease(lease_id)
    except hvac.exceptions.InvalidRequest as err:
        assert "invalid lease" in str(err)
        return False
    return True


def test_vault_token_life_ends_on_withdrawal(real: RealFlow) -> None:
    number = granted(real, "alice", "tok", "db-token")
    secret = real.unwrap("alice", number)
    with pytest.raises(JitError, match="already used or has expired"):
        real.unwrap("alice", number)  # the wrapping token works once
    client = real.bao.client(token=str(secret["client_token"]))
    me = client.auth.token.lookup_self()["data"]
    assert "db-orders-read" in me["policies"] and me["meta"]["requester"] == "alice"
    assert me["orphan"] is True and me["renewable"] is False
    assert 7000 < me["explicit_max_ttl"] <= 7200  # the grant's 2h, not the role's ceiling
    creds = client.read(CREDS)  # what the token's policy allows
    assert real.db.login(creds["data"]["username"], creds["data"]["password"], READ_ORDERS) == (
        0,
        f"{ORDERS_ROW[1]}\n",
    )
    with pytest.raises(hvac.exceptions.Forbidden):
        client.read("database/config/orders")  # and nothing more

    real.withdraw("alice", "tok")
    revoked(real)
    with pytest.raises(hvac.exceptions.Forbidden):
        client.auth.token.lookup_self()
    assert not lease_live(real, creds["lease_id"])  # the token's own lease went with it


def test_vault_credentials_life_ends_at_expiry(real: RealFlow) -> None:
    number = granted(real, "alice", "db", "db-read")
    secret = real.unwrap("alice", number)
    user, password = str(secret["username"]), str(secret["password"])
    assert real.db.login(user, password, READ_ORDERS) == (0, f"{ORDERS_ROW[1]}\n")
    assert readers(real) == [user]
    (record,) = real.records().values()
    # The job read the secret response-wrapped (ADR 0008): it never saw the lease, and its
    # record names only the holder token. The lease is the holder's, so it dies with it.
    assert set(record.handle) == {"accessor"}
    (lease_key,) = live_leases(real)  # the unwrap spent the wrapping token
    lease_id = f"{CREDS}/{lease_key}"
    assert lease_live(real, lease_id)
    holder = real.root.adapter.post(
        "/v1/auth/token/lookup-accessor", json={"accessor": record.handle["accessor"]}
    )["data"]
    assert holder["orphan"] is True and holder["meta"]["jit_grant"] == record.grant_id

    real.advance(hours=2, minutes=1)  # jit's clock only: the servers keep real time
    revoked(real)
    assert not lease_live(real, lease_id)
    code, error = real.db.login(user, password)
    assert code != 0 and "password authentication failed" in error, error
    assert real.db.sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'").strip() == "0"
    assert readers(real) == []


def test_vault_group_life_ends_at_expiry(real: RealFlow) -> None:
    bob = real.member_login("bob")  # bob's entity and its alias (his GitHub login) exist now
    with pytest.raises(hvac.exceptions.Forbidden):
        bob.read(CREDS)
    granted(real, "bob", "grp", "db-group")
    (record,) = real.records().values()
    group = real.root.read(f"identity/group/name/{record.handle['group']}")["data"]
    entity = bob.auth.token.lookup_self()["data"]["entity_id"]
    assert group["member_entity_ids"] == [entity] and group["policies"] == ["db-orders-read"]
    creds = bob.read(CREDS)  # the group's policy, in force for bob's own login
    assert real.db.login(creds["data"]["username"], creds["data"]["password"], READ_ORDERS)[0] == 0
    assert real.member_login("bob").read(CREDS)["data"]["username"]  # and for a new login

    real.advance(hours=2, minutes=1)
    revoked(real)
    assert real.root.read(f"identity/group/name/{record.handle['group']}") is None
    with pytest.raises(hvac.exceptions.Forbidden):
        bob.read(CREDS)


def test_a_forged_delivery_is_refused_on_a_real_openbao(real: RealFlow) -> None:
    """Any token with the default policy can wrap data of its choosing; OpenBao records where
    (``sys/wrapping/wrap``), and jit unwrap refuses it without spending it (ADR 0008)."""
    from jit.commands import unwrap
    from jit.delivery import DeliveryPayload, choose_delivery, seal

    anyone = real.bao.client(
        token=real.root.auth.token.create(policies=["default"])["auth"]["client_token"]
    )
    forged = anyone.sys.wrap(payload={"client_token": "hvs.attacker"}, ttl=300)["wrap_info"]
    payload = DeliveryPayload(
        real.bao.address, real.bao.name, forged["token"], "alice-x-1", "2026-01-05T11:00:00+00:00"
    )
    plan = choose_delivery([real.keys["alice"].public], "refuse")
    folder = real.tmp / "forged"
    folder.mkdir()
    key = real.keys["alice"].write(folder / "id_ed25519")
    comment = folder / "comment.txt"
    comment.write_text(seal(payload, plan.recipients))
    with pytest.raises(JitError, match="created at 'sys/wrapping/wrap', where jit never"):
        unwrap.run(
            key,
            None,
            "env",
            str(comment),
            vault_addr=real.bao.address,
            vault_namespace=real.bao.name,
            repo=real.checkout(),
        )
    # Not spent: the token can still be looked up (and unwrapped, by whoever made it).
    looked = anyone.adapter.post("/v1/sys/wrapping/lookup", json={"token": forged["token"]})
    assert looked["data"]["creation_path"] == "sys/wrapping/wrap"


#: OpenBao registers a response-wrapping token under the path whose answer it wraps, as
#: ``h<sha256 of the token>``: jit reads credentials response-wrapped (ADR 0008), so an
#: undelivered wrapping token shows up next to the credential's lease. It is not a credential
#: (its cubbyhole holds one, which dies with the holder's lease) and ends at the wrap TTL.
_WRAPPING_TOKEN_ENTRY = re.compile(r"h[0-9a-f]{64}(\..*)?")


def live_leases(flow: RealFlow) -> list[str]:
    """The database credentials' leases (not the wrapping tokens listed beside them)."""
    prefix = "sys/leases/lookup/database/creds/orders-readonly/"
    listed = flow.root.adapter.list(f"/v1/{prefix}")
    keys = listed["data"]["keys"] if listed else []
    return sorted(k for k in keys if not _WRAPPING_TOKEN_ENTRY.fullmatch(k))


def test_a_run_killed_after_recording_its_handle_is_recovered_on_the_real_server(
    real: RealFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dead run committed the holder token's accessor before delivering. The next run
    revokes exactly that accessor (no listing of Vault's tokens, no sudo), which ends its lease
    and drops its database user, and issues again: one live credential, and it works."""
    pr = real.open("alice", "db", "db-read")
    real.validate(pr)
    real.approve_and_merge(pr)
    with monkeypatch.context() as mp:
        kill_after(mp, runner, "_record_handles")
        with pytest.raises(Killed):
            real.run()
    (orphaned,) = live_leases(real)
    (record,) = real.records().values()
    assert record.status == "issuing" and (record.handle or {}).get("accessor")

    real.advance(seconds=ISSUING_LEASE.total_seconds())
    result = real.run()
    assert result.code == 0 and "1 granted" in result.out, result.out
    (lease,) = live_leases(real)
    assert lease != orphaned
    secret = real.unwrap("alice", pr.number)
    user, password = str(secret["username"]), str(secret["password"])
    assert real.db.login(user, password, READ_ORDERS) == (0, f"{ORDERS_ROW[1]}\n")
    assert readers(real) == [user]  # the dead run's database user was dropped with its lease


def test_a_run_killed_before_recording_its_handle_leaves_a_token_that_ends_with_the_grant(
    real: RealFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between creating the holder token and recording it: nobody holds that token
    (its wrapping token died with the run). The next run records it as unreachable and issues
    again; on the real server the stray holder token's TTL ends by the grant's end."""
    pr = real.open("alice", "db", "db-read")
    real.validate(pr)
    real.approve_and_merge(pr)
    with monkeypatch.context() as mp:
        kill_after(mp, VaultBackend, "issue")
        with pytest.raises(Killed):
            real.run()
    (record,) = real.records().values()
    assert record.status == "issuing" and not (record.handle or {}).get("accessor")

    real.advance(seconds=ISSUING_LEASE.total_seconds())
    result = real.run()
    assert result.code == 0 and "1 granted" in result.out, result.out
    (granted,) = real.records().values()
    assert granted.status == "active"
    holders = [
        data
        for accessor in real.root.adapter.list("/v1/auth/token/accessors")["data"]["keys"]
        for data in [
            real.root.adapter.post("/v1/auth/token/lookup-accessor", json={"accessor": accessor})[
                "data"
            ]
        ]
        if (data.get("meta") or {}).get("jit_grant") == granted.grant_id
    ]
    assert len(holders) == 2  # the granted holder and the unreachable one
    # jit's clock was moved on 30 minutes, the server's was not: compare lifetimes, not
    # instants. Neither holder token can live longer than the 2h grant, nor be renewed.
    for holder in holders:
        assert 0 < int(holder["explicit_max_ttl"]) <= 2 * 3600 and not holder["renewable"]
    assert "unreachable" in result.out + "".join(str(e) for e in real.audit()), result.out


def readers(flow: RealFlow) -> list[str]:
    """The Vault-made roles that may read ``orders`` in the test's database."""
    return flow.db.sql(
        "SELECT r.rolname FROM pg_class c, aclexplode(c.relacl) a JOIN pg_roles r "
        "ON r.oid = a.grantee WHERE c.relname = 'orders' AND r.rolname LIKE 'v-%' "
        "ORDER BY 1"
    ).split()
