"""docs/admin.md replayed on a real OpenBao and a real PostgreSQL: every ``vault``, ``bao`` and
``psql`` line of the guide runs as shown (``tests/docs/replay.py``), and the set-up it leaves
does what the guide says: the reconcile job's login, full-length tokens, credentials that read
and end with their holder token, the troubleshooting fix, and the OpenBao route for
``vault-group`` grants."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import hvac
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.docs import guide, oidc_issuers, replay
from tests.fakes.clock import FakeClock
from tests.fakes.oidc import GitHubOIDC
from tests.real.plugin import unavailable
from tests.real.servers import Missing, OpenBao, Postgres, find_bao, find_postgres

pytestmark = pytest.mark.real

REDIRECT = "http://localhost:8250/oidc/callback"  # bao login -method=oidc's listener


@dataclass
class Replayed:
    bao: OpenBao
    pg: Postgres
    shell: replay.Shell
    issuers: oidc_issuers.Issuers
    ran: list[tuple[replay.Line, subprocess.CompletedProcess[str]]] = field(default_factory=list)
    db_roles: set[str] = field(default_factory=set)  # roles Vault made for credentials read

    def client(self, token: str | None = None, namespace: str | None = None) -> hvac.Client:
        return hvac.Client(
            url=self.bao.address,
            token=token or self.bao.root_token,
            namespace=namespace,
            timeout=30,
        )

    def anonymous(self) -> hvac.Client:
        return hvac.Client(url=self.bao.address, timeout=30)

    def failure(self) -> str | None:
        for line, done in self.ran:
            if done.returncode != 0:
                return f"{line.where}\nexit {done.returncode}\n{done.stdout}{done.stderr}"
        return None

    def output(self, needle: str) -> str:
        [out] = [done.stdout for line, done in self.ran if needle in line.command.text]
        return out.strip()

    def sql(self, statement: str, database: str = "orders") -> str:
        return self.pg.sql(statement, database=database)

    def login(self, user: str, password: str, statement: str) -> subprocess.CompletedProcess[str]:
        return self.pg.psql(statement, database="orders", user=user, password=password)


def _stand_in_files(folder: Path) -> None:
    """What the guide's kubectl lines write (``ca.crt``, ``vault-sa.jwt``): OpenBao stores them
    without calling the cluster, which the replay does not have."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (folder / "ca.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    claims = {"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:vault:vault"}
    (folder / "vault-sa.jwt").write_text(jwt.encode(claims, key, algorithm="ES256"))


def _existing_database(pg: Postgres) -> None:
    """The admin's database before the guide: ``orders``, its tables owned by ``orders_owner``."""
    pg.sql("CREATE ROLE orders_owner")
    pg.sql("CREATE DATABASE orders OWNER orders_owner")
    pg.sql(
        "SET ROLE orders_owner; CREATE TABLE orders (id int PRIMARY KEY, item text); "
        "INSERT INTO orders VALUES (1, 'tea')",
        database="orders",
    )


def _drop_database(pg: Postgres, roles: set[str]) -> None:
    pg.sql("DROP DATABASE IF EXISTS orders WITH (FORCE)")
    for role in sorted(roles | {"vault", "orders_owner"}):
        pg.sql(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture(scope="module")
def guide_openbao() -> Iterator[OpenBao]:
    """An OpenBao of its own: the guide is replayed in its root namespace, as an admin without
    namespaces would run it, and its ``token/`` tuning reaches every namespace (see
    :func:`test_on_openbao_the_root_namespace_tuning_caps_tokens_in_every_namespace`), so the
    session's shared server is left alone."""
    try:
        server = OpenBao(find_bao())
    except Missing as missing:
        unavailable(str(missing))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def replayed(
    guide_openbao: OpenBao,
    postgres_server: Postgres,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Replayed]:
    bao, pg = guide_openbao, postgres_server
    if shutil.which("jq") is None:
        unavailable("`jq`, which the guide uses, is not installed: `apt-get install -y jq`")
    folder = tmp_path_factory.mktemp("admin")
    (folder / "docs").symlink_to(guide.ROOT / "docs")
    _stand_in_files(folder)
    taken = pg.sql("SELECT rolname FROM pg_roles WHERE rolname IN ('vault', 'orders_owner')")
    assert not taken.strip(), f"roles {taken.split()} exist on the test cluster already"
    db_roles: set[str] = set()
    try:
        _existing_database(pg)
        with oidc_issuers.serve() as issuers:
            stand_ins = {
                "actions issuer": issuers.url("actions"),
                "dex issuer": issuers.url("dex"),
                "postgres": f"{pg.host}:{pg.port}",
            }
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(folder),
                "LC_ALL": "C",
                "REPLAY_BAO": bao.binary,
                "REPLAY_PSQL": find_postgres().psql,
                "VAULT_ADDR": bao.address,
                "VAULT_TOKEN": bao.root_token,
                "ORDERS_DB_PASSWORD": secrets.token_urlsafe(18),
                "OIDC_CLIENT_SECRET": secrets.token_urlsafe(18),
                "PGHOST": pg.host,
                "PGPORT": str(pg.port),
                "PGUSER": pg.user,
                "PGPASSWORD": pg.password,
            }
            values = {k: stand_ins[v] for k, v in replay.PLACEHOLDERS.items()}
            shell = replay.Shell(folder, env, values)
            done = Replayed(bao, pg, shell, issuers, db_roles=db_roles)
            for line in replay.on_openbao(guide.text()):
                done.ran.append((line, shell.run(line)))
                if done.ran[-1][1].returncode != 0:
                    break
            yield done
    finally:
        _drop_database(pg, db_roles)


@pytest.fixture
def ready(replayed: Replayed) -> Replayed:
    failure = replayed.failure()
    assert failure is None, f"a step of the guide failed on OpenBao:\n{failure}"
    return replayed


def test_every_vault_bao_and_psql_line_of_the_guide_runs_on_openbao(ready: Replayed) -> None:
    source = guide.text()
    assert [line for line, _ in ready.ran] == replay.on_openbao(source)
    shown = {line.command.text for line in replay.lines(source)}
    assert set(replay.NOT_RUN) <= shown, "NOT_RUN names lines the guide no longer shows"
    assert all(p in source for p in replay.PLACEHOLDERS), "a placeholder left the guide"
    markers = {line.marker for line in replay.lines(source)} - {None}
    assert markers == replay.MARKERS
    skipped = [line.command.text for line in replay.lines(source) if line.marker == "vault only"]
    assert skipped == [
        "vault auth enable github",
        "vault write auth/github/config organization=acme",
        "vault login -method=github",
    ]


def test_no_bao_or_psql_line_hides_inside_another() -> None:
    inner = re.compile(r"(\$\(|&&|;|\|\||\|)\s*(vault|bao|psql)\b")
    hidden = [c.text for c in guide.shell_commands(guide.text()) if inner.search(c.text)]
    assert hidden == []


def _guide_value(prefix: str, name: str) -> str:
    """``name=value`` (or ``-name=value``) of the guide's line that starts with ``prefix``."""
    [line] = [c for c in guide.shell_commands(guide.text()) if c.text.startswith(prefix)]
    [value] = [w.split("=", 1)[1] for w in line.words if w.lstrip("-").startswith(name + "=")]
    return value


def _hours(value: str) -> int:
    assert value.endswith("h"), value
    return int(value[:-1]) * 3600


def _job_token(ready: Replayed, **overrides: Any) -> str:
    """The reconcile job's login: a GitHub-shaped ID token, signed by the stand-in issuer."""
    oidc = GitHubOIDC(FakeClock(dt.datetime.now(dt.UTC)))
    claims = oidc.claims(iss=ready.issuers.url("actions"), aud="vault", **overrides)
    reply = ready.client().adapter.post(
        "/v1/auth/jwt/login", json={"role": "jit", "jwt": ready.issuers.sign(claims)}
    )
    assert reply["auth"]["policies"] == ["jit-doctor", "jit-job", "jit-kube"]
    token: str = reply["auth"]["client_token"]
    return token


def test_the_guides_jwt_role_logs_in_the_reconcile_job_and_nothing_else(ready: Replayed) -> None:
    assert _job_token(ready)
    other = "acme/access/.github/workflows/validate.yml@refs/heads/main"
    with pytest.raises(hvac.exceptions.InvalidRequest, match="claim"):
        _job_token(ready, job_workflow_ref=other)


def _create(ready: Replayed, token: str, **body: Any) -> dict[str, Any]:
    reply: dict[str, Any] = ready.client(token).adapter.post("/v1/auth/token/create/jit", json=body)
    return reply


def test_a_grant_of_the_longest_duration_gets_a_token_that_long(ready: Replayed) -> None:
    """Finding 1: the token mount caps tokens at 768h unless tuned as the guide says."""
    longest = _guide_value("vault write auth/token/roles/jit", "token_explicit_max_ttl")
    tune = "vault auth tune"
    assert _guide_value(tune, "max-lease-ttl") == longest
    job = _job_token(ready)
    asked = {"policies": ["db-orders-read"], "ttl": longest, "explicit_max_ttl": longest}

    full = _create(ready, job, **asked)
    assert full["auth"]["lease_duration"] == _hours(longest)
    assert not [w for w in full.get("warnings") or [] if "capped" in w]

    root = ready.client()
    root.adapter.post("/v1/sys/auth/token/tune", json={"max_lease_ttl": "768h"})  # untuned
    try:
        capped = _create(ready, job, **asked)
        assert capped["auth"]["lease_duration"] == _hours("768h")
        assert [w for w in capped["warnings"] if "capped" in w]
    finally:
        [line] = [
            line for line in replay.on_openbao(guide.text()) if line.command.text.startswith(tune)
        ]
        assert ready.shell.run(line).returncode == 0
    assert _create(ready, job, **asked)["auth"]["lease_duration"] == _hours(longest)


def test_on_openbao_the_root_namespace_tuning_caps_tokens_in_every_namespace(
    ready: Replayed,
) -> None:
    """What the guide's OpenBao note says: inside a namespace, tuning that namespace's own
    ``token/`` is accepted and ignored; the root namespace's tuning (the guide's, here) counts."""
    root = ready.client()
    team = "team" + secrets.token_hex(3)
    root.adapter.post(f"/v1/sys/namespaces/{team}")
    try:
        inside = ready.client(namespace=team)
        inside.adapter.post("/v1/sys/auth/token/tune", json={"max_lease_ttl": "100h"})
        made = inside.adapter.post("/v1/auth/token/create", json={"ttl": "2160h"})
        assert made["auth"]["lease_duration"] == _hours("2160h")  # not 100h
        root.adapter.post("/v1/sys/auth/token/tune", json={"max_lease_ttl": "768h"})
        made = inside.adapter.post("/v1/auth/token/create", json={"ttl": "2160h"})
        assert made["auth"]["lease_duration"] == _hours("768h")
    finally:
        root.adapter.post("/v1/sys/auth/token/tune", json={"max_lease_ttl": "2160h"})
        root.adapter.delete(f"/v1/sys/namespaces/{team}")


def _holder(ready: Replayed, job: str, ttl: str) -> dict[str, Any]:
    """A holder token as jit makes one for a ``vault-credentials`` grant."""
    return _create(
        ready,
        job,
        policies=["jit-credentials"],
        ttl=ttl,
        explicit_max_ttl=ttl,
        meta={"jit_grant": "replay"},
    )["auth"]


def _read_credentials(ready: Replayed, token: str) -> dict[str, Any]:
    creds: dict[str, Any] = ready.client(token).read("database/creds/orders-readonly")
    ready.db_roles.add(creds["data"]["username"])
    return creds


def _role_exists(ready: Replayed, role: str) -> bool:
    return ready.sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'").strip() == "1"


def _lease_live(ready: Replayed, job: str, lease_id: str) -> bool:
    """Looked up as the admin: the job's policy has no sys/leases/* (it revokes credentials
    by their holder token, ADR 0008)."""
    try:
        ready.client().adapter.post("/v1/sys/leases/lookup", json={"lease_id": lease_id})
    except hvac.exceptions.InvalidRequest as gone:
        assert "invalid lease" in str(gone)
        return False
    return True


def _wait_gone(ready: Replayed, job: str, creds: dict[str, Any], limit: float = 15.0) -> float:
    """Seconds until the lease is gone and the PostgreSQL role dropped."""
    start = time.monotonic()
    user = creds["data"]["username"]
    while _lease_live(ready, job, creds["lease_id"]) or _role_exists(ready, user):
        assert time.monotonic() - start < limit, f"lease or role {user} still there"
        time.sleep(0.2)
    return time.monotonic() - start


def test_credentials_read_and_work_and_end_with_their_holder_token(ready: Replayed) -> None:
    """Findings 2 and 7: the guide's SQL lets Vault create credentials; the lease keeps the
    role's 24h, and only the holder token's end takes the lease and the role away."""
    job = _job_token(ready)
    asked = time.time()
    holder = _holder(ready, job, "10s")
    creds = _read_credentials(ready, holder["client_token"])
    user, password = creds["data"]["username"], creds["data"]["password"]
    default_ttl = _guide_value("vault write database/roles/orders-readonly", "default_ttl")
    assert creds["lease_duration"] == _hours(default_ttl) > holder["lease_duration"]
    valid_until = ready.sql(
        f"SELECT extract(epoch FROM rolvaliduntil) FROM pg_roles WHERE rolname = '{user}'"
    )
    assert float(valid_until) > time.time() + _hours(default_ttl) - 60  # the role's own end
    used = ready.login(user, password, "SELECT item FROM orders WHERE id = 1")
    assert (used.returncode, used.stdout.strip()) == (0, "tea")

    time.sleep(max(0.0, asked + holder["lease_duration"] - 1 - time.time()))
    _wait_gone(ready, job, creds)
    lag = time.time() - (asked + holder["lease_duration"])
    assert lag < 5, f"the lease and the role outlived their holder token by {lag:.1f}s"
    refused = ready.login(user, password, "SELECT 1")
    assert refused.returncode != 0 and "password authentication failed" in refused.stderr


def _open_session(
    ready: Replayed, user: str, password: str, script: Path
) -> tuple[subprocess.Popen[str], str]:
    """A psql session that reads, sleeps 5 s, and reads again; and its backend's pid."""
    read = "SELECT item FROM orders WHERE id = 1;\n"
    script.write_text(read + "SELECT pg_sleep(5);\n" + read)
    pg = ready.pg
    psql = [find_postgres().psql, "-X", "-A", "-t", "-h", pg.host, "-p", str(pg.port)]
    session = subprocess.Popen(
        [*psql, "-U", user, "-d", "orders", "-f", str(script)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), "PGPASSWORD": password, "LC_ALL": "C"},
    )
    sleeping = (
        f"SELECT pid FROM pg_stat_activity WHERE usename = '{user}' AND query LIKE '%pg_sleep%'"
    )
    deadline = time.monotonic() + 15
    while not (pid := ready.sql(sleeping).strip()):
        assert time.monotonic() < deadline and session.poll() is None, session.stderr
        time.sleep(0.1)
    return session, pid


def test_revoking_the_holder_token_revokes_the_lease_and_drops_the_role(
    ready: Replayed, tmp_path: Path
) -> None:
    """jit's withdrawal: revoking the holder token takes the lease and the role; a session that
    was open stays connected, but can no longer read."""
    job = _job_token(ready)
    holder = _holder(ready, job, "1h")
    creds = _read_credentials(ready, holder["client_token"])
    assert _lease_live(ready, job, creds["lease_id"])
    user, password = creds["data"]["username"], creds["data"]["password"]
    session, pid = _open_session(ready, user, password, tmp_path / "session.sql")
    try:
        ready.client(job).adapter.post(
            "/v1/auth/token/revoke-accessor", json={"accessor": holder["accessor"]}
        )
        assert _wait_gone(ready, job, creds) < 5
        alive = f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}"
        assert ready.sql(alive).strip() == "1"
        out, err = session.communicate(timeout=30)
    finally:
        if session.poll() is None:
            session.kill()
            session.communicate()
    assert out.split() == ["tea"]  # the first read; the one after the revocation is refused
    assert "permission denied for table orders" in err


def _block(marker: str) -> str:
    [block] = [b for b in guide.blocks(guide.text()) if b.marker == marker]
    return block.text


def test_the_troubleshooting_symptom_and_its_fix(ready: Replayed) -> None:
    """A table Vault holds nothing on fails every read, with the error the guide shows; the
    guide's fix makes reads work and the credentials read the table."""
    ready.sql("CREATE TABLE refunds (id int)")  # by the superuser, not orders_owner
    try:
        shown = ready.shell.script("vault read database/creds/orders-readonly")
        assert shown.returncode != 0
        assert _block("symptom: permission denied") in shown.stderr
        with pytest.raises(hvac.exceptions.InternalServerError, match="permission denied"):
            _read_credentials(ready, ready.bao.root_token)

        fix = ready.shell.script(f"psql -d orders <<'SQL'\n{_block('fix: permission denied')}SQL\n")
        assert fix.returncode == 0, fix.stderr
        creds = _read_credentials(ready, ready.bao.root_token)
        user, password = creds["data"]["username"], creds["data"]["password"]
        read = ready.login(user, password, "SELECT count(*) FROM refunds")
        assert (read.returncode, read.stdout.strip()) == (0, "0")
    finally:
        ready.sql("DROP TABLE IF EXISTS refunds")


def test_tables_the_owner_adds_later_are_covered_and_grant_option_matters(ready: Replayed) -> None:
    ready.sql("SET ROLE orders_owner; CREATE TABLE shipments (id int)")  # default privileges
    ready.sql("CREATE TABLE notes (id int); GRANT SELECT ON notes TO vault")  # no grant option
    try:
        creds = _read_credentials(ready, ready.bao.root_token)  # succeeds: PostgreSQL only warns
        user, password = creds["data"]["username"], creds["data"]["password"]
        assert ready.login(user, password, "SELECT count(*) FROM shipments").returncode == 0
        denied = ready.login(user, password, "SELECT count(*) FROM notes")
        assert denied.returncode != 0 and "permission denied for table notes" in denied.stderr
    finally:
        ready.sql("DROP TABLE notes")


def _oidc_login(ready: Replayed, login: str) -> dict[str, Any]:
    """``bao login -method=oidc -path=github`` without the browser: ask OpenBao for the
    provider's URL, sign in there as ``login``, and hand OpenBao the code."""
    anonymous = ready.anonymous()
    url = anonymous.adapter.post(
        "/v1/auth/github/oidc/auth_url", json={"role": "requester", "redirect_uri": REDIRECT}
    )["data"]["auth_url"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith(ready.issuers.url("dex")) and query["redirect_uri"] == REDIRECT
    code = ready.issuers.authorize(
        query["client_id"], query["nonce"], sub=f"github|{login}", preferred_username=login
    )
    reply: dict[str, Any] = anonymous.adapter.get(
        "/v1/auth/github/oidc/callback", params={"state": query["state"], "code": code}
    )
    return reply["auth"]


def test_the_openbao_route_gives_requesters_identities_named_by_their_github_login(
    ready: Replayed,
) -> None:
    """Finding 3: the JWT/OIDC mount at ``github`` names aliases after the GitHub login, so
    jit's policy finds the entity, and a ``jit-*`` group's policy is in force for its login."""
    accessor = ready.output("jq -r")
    assert accessor.startswith("auth_jwt_")
    auth = _oidc_login(ready, "alice")
    requester = ready.client(auth["client_token"])
    job = ready.client(_job_token(ready))

    found = job.adapter.post(
        "/v1/identity/lookup/entity", json={"alias_name": "alice", "alias_mount_accessor": accessor}
    )
    assert found["data"]["id"] == auth["entity_id"]
    with pytest.raises(hvac.exceptions.Forbidden):
        requester.read("database/creds/orders-readonly")

    job.adapter.post(
        "/v1/identity/group/name/jit-replay",
        json={"policies": ["db-orders-read"], "member_entity_ids": [auth["entity_id"]]},
    )
    creds = requester.read("database/creds/orders-readonly")
    ready.db_roles.add(creds["data"]["username"])
    job.adapter.delete("/v1/identity/group/name/jit-replay")
    with pytest.raises(hvac.exceptions.Forbidden):
        requester.read("database/creds/orders-readonly")
    assert ready.issuers.exchanged, "OpenBao never redeemed the provider's code"
