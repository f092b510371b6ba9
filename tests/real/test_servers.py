"""The real servers answer, and stopping them leaves no process behind."""

from __future__ import annotations

import os
import pwd

import hvac
import pytest

from tests.real.plugin import Database, Namespace, unavailable
from tests.real.servers import Missing, OpenBao, Postgres, find_bao, find_postgres


def test_openbao_answers_health_and_keeps_tests_apart(openbao: Namespace) -> None:
    health = openbao.server.health()
    assert health["initialized"] is True and health["sealed"] is False
    client = openbao.client()
    client.sys.enable_secrets_engine("kv", path="kv", options={"version": "1"})
    client.write("kv/probe", value="here")
    assert client.read("kv/probe")["data"] == {"value": "here"}
    outside = hvac.Client(url=openbao.address, token=openbao.root_token)  # the root namespace
    assert "kv/" not in outside.sys.list_mounted_secrets_engines()["data"]


def test_postgres_creates_a_table_and_reads_it(postgres: Database) -> None:
    postgres.sql("CREATE TABLE orders (id int PRIMARY KEY, item text)")
    postgres.sql("INSERT INTO orders VALUES (1, 'tea')")
    assert postgres.sql("SELECT item FROM orders WHERE id = 1").strip() == "tea"
    assert int(postgres.sql("SELECT current_setting('server_version_num')::int / 10000")) >= 15
    code, error = postgres.login(postgres.server.user, "wrong password")
    assert code != 0 and "password authentication failed" in error


def _gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.real
def test_stopping_leaves_no_process() -> None:
    """A second pair of servers, started and stopped: the process groups are empty after."""
    try:
        bao, postgres = OpenBao(find_bao()), Postgres(find_postgres())
    except Missing as missing:
        unavailable(str(missing))
    started = []
    try:
        for server in (bao.start(), postgres.start()):
            assert server.process is not None
            started.append(server.process.pid)
            assert not _gone(server.process.pid)
    finally:
        bao.stop()
        postgres.stop()
    assert all(_gone(pid) for pid in started)
    assert not bao.home.exists() and not postgres.home.exists()


@pytest.mark.real
def test_postgres_is_not_run_as_root(postgres_server: Postgres) -> None:
    assert postgres_server.process is not None
    uid = os.stat(f"/proc/{postgres_server.process.pid}").st_uid
    if os.geteuid() == 0:
        assert uid == pwd.getpwnam("nobody").pw_uid
    else:
        assert uid == os.geteuid()
    os.kill(postgres_server.process.pid, 0)  # still serving the session


def test_a_missing_binary_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIT_BAO", "/nonexistent/bao")
    with pytest.raises(Missing, match="JIT_BAO=/nonexistent/bao is not an executable"):
        find_bao()
    monkeypatch.delenv("JIT_REQUIRE_REAL", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no bao"):
        unavailable("no bao")
    monkeypatch.setenv("JIT_REQUIRE_REAL", "1")
    with pytest.raises(pytest.fail.Exception, match="JIT_REQUIRE_REAL=1 but no bao"):
        unavailable("no bao")


def test_postgres_binaries_are_found_in_debians_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    try:
        found = find_postgres()
    except Missing as missing:
        assert "apt-get install -y postgresql" in str(missing)
    else:
        assert found.initdb.startswith("/usr/lib/postgresql/")
