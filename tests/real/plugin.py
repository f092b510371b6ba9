"""pytest fixtures for the real OpenBao and PostgreSQL (registered from tests/conftest.py, so
every test folder can use them).

- ``openbao_server`` / ``postgres_server`` (session): one server each per test session, started
  on first use, stopped at the end of the session (and at interpreter exit, should pytest be
  interrupted before its teardown). A missing binary skips the test saying what to install;
  with ``JIT_REQUIRE_REAL=1`` (CI) it fails instead, so real tests never silently stop running.
- ``openbao`` (function): a fresh OpenBao **namespace** per test (OpenBao has namespaces since
  2.3), with the root token; deleted afterwards. Mounts, roles, policies, tokens, leases and
  identities a test makes live and die there, so tests need no unique names.
- ``postgres`` (function): a fresh database per test on the session's cluster; dropped after.
  Roles are cluster-wide in PostgreSQL: name a test's own roles uniquely.

Any test using one of these fixtures gets the ``real`` marker, so ``pytest -m real`` runs
exactly them (and ``-m "not real"`` leaves them out).
"""

from __future__ import annotations

import atexit
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NoReturn, TypeVar

import hvac
import pytest

from tests.real.servers import Missing, OpenBao, Postgres, find_bao, find_postgres

Server = TypeVar("Server", OpenBao, Postgres)

REAL_FIXTURES = frozenset({"openbao_server", "postgres_server", "openbao", "postgres"})


def real_required() -> bool:
    return os.environ.get("JIT_REQUIRE_REAL") == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip (locally) or fail (``JIT_REQUIRE_REAL=1``) because a real server cannot run."""
    if real_required():
        pytest.fail(f"JIT_REQUIRE_REAL=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if REAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real)


def _serve(make: Callable[[], Server]) -> Iterator[Server]:
    """Start one server for the session, stopped however the session ends (``atexit`` too)."""
    try:
        server = make()
    except Missing as missing:
        unavailable(str(missing))
    atexit.register(server.stop)
    try:
        yield server.start()
    finally:
        server.stop()
        atexit.unregister(server.stop)


@pytest.fixture(scope="session")
def openbao_server() -> Iterator[OpenBao]:
    yield from _serve(lambda: OpenBao(find_bao()))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    yield from _serve(lambda: Postgres(find_postgres()))


@dataclass(frozen=True)
class Namespace:
    """One test's namespace on the real OpenBao, and the root token."""

    server: OpenBao
    name: str

    @property
    def address(self) -> str:
        return self.server.address

    @property
    def root_token(self) -> str:
        return self.server.root_token

    def client(self, token: str | None = None) -> hvac.Client:
        """An hvac client in this namespace (root token unless ``token``)."""
        return hvac.Client(
            url=self.address, token=token or self.root_token, namespace=self.name, timeout=30
        )

    def cli(self, *args: str, token: str | None = None) -> str:
        """``bao <args>`` in this namespace; stdout."""
        return self.server.cli(*args, namespace=self.name, token=token)


@pytest.fixture
def openbao(openbao_server: OpenBao) -> Iterator[Namespace]:
    name = "t" + secrets.token_hex(6)
    root = hvac.Client(url=openbao_server.address, token=openbao_server.root_token)
    root.adapter.post(f"/v1/sys/namespaces/{name}")
    try:
        yield Namespace(openbao_server, name)
    finally:
        root.adapter.delete(f"/v1/sys/namespaces/{name}")
        root.adapter.close()


@dataclass(frozen=True)
class Database:
    """One test's database on the real PostgreSQL; ``sql`` runs as the superuser."""

    server: Postgres
    name: str

    def sql(self, statement: str) -> str:
        return self.server.sql(statement, database=self.name)

    def login(self, user: str, password: str, statement: str = "SELECT 1") -> tuple[int, str]:
        """``statement`` as ``user``: (psql's exit code, its output or error text)."""
        done = self.server.psql(statement, database=self.name, user=user, password=password)
        return done.returncode, (done.stdout if done.returncode == 0 else done.stderr)

    def url(self) -> str:
        return self.server.url(self.name)


@pytest.fixture
def postgres(postgres_server: Postgres) -> Iterator[Database]:
    name = "t" + secrets.token_hex(6)
    postgres_server.sql(f'CREATE DATABASE "{name}"')
    try:
        yield Database(postgres_server, name)
    finally:
        postgres_server.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
