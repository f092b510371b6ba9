"""No secret the fake hands out ever shows up in a log line, an output stream or an exception."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
import requests

from jit.adapters.vault import VaultBackend
from jit.errors import JitError
from jit.ports import GrantOrder
from tests.adapters.vault.unwrapped import unwrap
from tests.fakes.clock import FakeClock
from tests.fakes.vault import FakeVault

Order = Callable[..., GrantOrder]


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = err
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _texts(err: BaseException) -> list[str]:
    return [t for e in _chain(err) for t in (str(e), repr(e), repr(e.args))]


def _frame_values(err: BaseException) -> list[str]:
    out = []
    tb = err.__traceback__
    while tb is not None:
        out += [repr(v) for v in tb.tb_frame.f_locals.values()]
        tb = tb.tb_next
    return out


def test_a_full_cycle_with_failures_leaks_nothing(
    backend: VaultBackend,
    new_run: Callable[[], VaultBackend],
    vault: FakeVault,
    order: Order,
    fake_clock: FakeClock,
    masked: list[str],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    vault.add_entity("alice")
    errors: list[BaseException] = []
    records = []

    def expect_failure(action: Callable[[], object]) -> None:
        with pytest.raises(JitError) as err:
            action()
        errors.append(err.value)

    for kind in ("vault-token", "vault-credentials", "k8s-credentials", "vault-group"):
        grant = order(kind)
        issued = backend.issue(grant)
        records.append(repr(issued))
        if issued.wrap_token:
            unwrap(vault.address, None, issued.wrap_token)
            expect_failure(lambda t=issued.wrap_token: unwrap(vault.address, None, t))
        records.append(repr(backend.find(grant)))
        backend.revoke(issued.kind, issued.handle)

    vault.fail_next("GET", "database/creds/orders-readonly", 500)
    expect_failure(lambda: backend.issue(order("vault-credentials")))
    vault.fail_next(
        "POST", "kubernetes/creds/prod-view", exc=requests.ReadTimeout("read timed out")
    )
    expect_failure(lambda: backend.issue(order("k8s-credentials")))
    vault.fail_next("GET", "database/creds/orders-readonly", 400, errors=["invalid request"])
    expect_failure(lambda: backend.issue(order("vault-credentials")))
    vault.fail_next("POST", "auth/token/lookup-accessor", 503, times=4)
    expect_failure(lambda: backend.issue(order("vault-token")))
    fake_clock.advance(7200)
    expect_failure(lambda: backend.issue(order("vault-token")))  # the job token expired: 403

    secrets = [*vault.issued_secrets, *vault.tokens.issued, *masked]
    assert len(vault.issued_secrets) == 2 and len(secrets) >= 12
    out = capsys.readouterr()
    haystacks = {
        "log": caplog.text,
        "stdout": out.out,
        "stderr": out.err,
        "records": "\n".join(records),
        "exceptions": "\n".join(t for e in errors for t in _texts(e)),
    }
    assert "issued vault-credentials" in haystacks["log"]  # the log is there, and checked
    for where, text in haystacks.items():
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"secrets leaked into {where}"
    plaintext = vault.issued_secrets
    for err in errors:
        frames = "\n".join(_frame_values(err))
        assert not [s for s in plaintext if s in frames], "plaintext left in a traceback frame"
