"""Suite-wide guards: no test reaches the network, and git never reads the developer's config."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

#: The real OpenBao and PostgreSQL fixtures (tests/real/plugin.py), for every test folder.
pytest_plugins = ("tests.real.plugin",)

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (host.startswith("127.") or host in {"::1", "localhost"}):
        _real_connect(self, address)  # type: ignore[arg-type]
        return
    if self.family == socket.AF_UNIX:
        _real_connect(self, address)  # type: ignore[arg-type]
        return
    raise RuntimeError(f"tests must not reach the network (tried {address!r}); use a fake")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    yield


@pytest.fixture(autouse=True)
def _hermetic_git(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.test")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Author")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "author@example.test")
    for var in (
        "GITHUB_ACTIONS",
        "GITHUB_TOKEN",
        "JIT_GITHUB_TOKEN",
        "VAULT_TOKEN",
        "VAULT_ADDR",
        "VAULT_NAMESPACE",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_EVENT_PATH",
        "GITHUB_EVENT_NAME",
    ):
        monkeypatch.delenv(var, raising=False)
