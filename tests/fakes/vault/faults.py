"""Scripted fault injection for the fake Vault: ``FakeVault.fail_next(...)``."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from tests.fakes.vault.wire import JSON_TYPE, PERMISSION_DENIED, error_reply

_TEXT = {
    400: "injected bad request",
    403: PERMISSION_DENIED,
    429: 'request path "{path}": rate limit quota exceeded',
    500: "internal error",
    502: "upstream rate limited",
    503: "Vault is sealed",
}


@dataclass
class Fault:
    method: str  # GET, POST, DELETE, LIST or *
    path: str  # fnmatch pattern on the path without /v1/
    status: int | None
    errors: list[str] | None
    exc: BaseException | type[BaseException] | None
    times: int
    content_type: str = JSON_TYPE

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(
            path.rstrip("/"), self.path.rstrip("/")
        )

    def fire(self, path: str) -> tuple[int, dict[str, str], str]:
        """Raise the exception, or return the error reply (status, headers, body)."""
        if self.exc is not None:
            raise (
                self.exc
                if isinstance(self.exc, BaseException)
                else self.exc("injected by FakeVault")
            )
        assert self.status is not None
        messages = self.errors
        if messages is None:
            messages = [_TEXT.get(self.status, "injected").format(path=path)]
        status, headers, text = error_reply(self.status, messages).encode()
        return status, {**headers, "Content-Type": self.content_type}, text


class Faults:
    def __init__(self) -> None:
        self._pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if (fault.status is None) == (fault.exc is None):
            raise ValueError("fail_next needs exactly one of status or exc")
        self._pending.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        for fault in self._pending:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times <= 0:
                    self._pending.remove(fault)
                return fault
        return None
