"""Headless Chromium driven over the DevTools protocol on a pipe, for checking HTML pages.

A minimal client, no dependency: Chromium started with ``--remote-debugging-pipe`` reads
commands on fd 3 and writes replies and events on fd 4, each a JSON object ending in NUL.
Nothing listens on a port. ``open_page`` loads a file and records what a page must not do:
console errors, uncaught exceptions, CSP violations (logged as errors) and network requests
other than the file itself.

Without ``/usr/bin/chromium`` (or ``$JIT_CHROMIUM``) the browser tests skip, saying why;
with ``JIT_REQUIRE_BROWSER=1`` (CI) they fail instead.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--remote-debugging-pipe",
)


DEFAULT = "/usr/bin/chromium"


def chromium() -> str:
    """The browser to use, or skip (fail under ``JIT_REQUIRE_BROWSER=1``)."""
    for found in (os.environ.get("JIT_CHROMIUM"), shutil.which("chromium"), DEFAULT):
        if found and Path(found).exists():
            return found
    why = "chromium is not installed (Debian/Ubuntu: apt-get install -y chromium)"
    if os.environ.get("JIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{why}; JIT_REQUIRE_BROWSER=1 requires it")
    pytest.skip(why)


@dataclass
class Page:
    url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    _browser: Browser | None = None
    _session: str = ""

    def evaluate(self, expression: str) -> object:
        """The JSON value of a JavaScript expression in the page."""
        assert self._browser is not None
        reply = self._browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            self._session,
        )
        if "exceptionDetails" in reply:
            raise AssertionError(f"{expression}: {reply['exceptionDetails']}")
        result = reply["result"]
        assert isinstance(result, dict)
        return result.get("value")

    def screenshot(self, path: Path) -> Path:
        assert self._browser is not None
        shot = self._browser.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True},
            self._session,
        )
        path.write_bytes(base64.b64decode(str(shot["data"])))
        return path

    def emulate_media(self, media: str) -> None:
        """Render as for ``print`` (or ``screen``)."""
        assert self._browser is not None
        self._browser.call("Emulation.setEmulatedMedia", {"media": media}, self._session)

    def settle(self, seconds: float = 0.3) -> None:
        """Let late events (a request, a console message) arrive."""
        assert self._browser is not None
        self._browser.pump(seconds)


class Browser:
    def __init__(self, proc: subprocess.Popen[bytes], writer: int, reader: int) -> None:
        self._proc, self._writer, self._reader = proc, writer, reader
        self._buffer = b""
        self._next = 0
        self._replies: dict[int, dict[str, object]] = {}
        self.pages: dict[str, Page] = {}  # session -> page

    def call(
        self, method: str, params: dict[str, object] | None = None, session: str = ""
    ) -> dict[str, object]:
        self._next += 1
        ident = self._next
        message: dict[str, object] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while ident not in self._replies:
            if time.monotonic() > deadline:
                raise AssertionError(f"chromium did not answer {method} in 30 s")
            self._read(deadline - time.monotonic())
        reply = self._replies.pop(ident)
        if "error" in reply:
            raise AssertionError(f"{method}: {reply['error']}")
        result = reply.get("result", {})
        assert isinstance(result, dict)
        return result

    def wait_for(self, event: str, session: str, timeout: float = 30) -> None:
        self._waiting = (event, session)
        self._seen = False
        deadline = time.monotonic() + timeout
        while not self._seen:
            if time.monotonic() > deadline:
                raise AssertionError(f"chromium sent no {event} in {timeout} s")
            self._read(deadline - time.monotonic())

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._read(left)

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self._reader], [], [], max(timeout, 0))
        if not ready:
            return
        chunk = os.read(self._reader, 1 << 20)
        if not chunk:
            raise AssertionError(f"chromium exited (code {self._proc.poll()})")
        self._buffer += chunk
        while b"\0" in self._buffer:
            raw, _, self._buffer = self._buffer.partition(b"\0")
            self._dispatch(json.loads(raw))

    def _dispatch(self, message: dict[str, object]) -> None:
        if "id" in message:
            self._replies[int(str(message["id"]))] = message
            return
        method, params = str(message.get("method")), message.get("params")
        session = str(message.get("sessionId", ""))
        page = self.pages.get(session)
        if getattr(self, "_waiting", None) == (method, session):
            self._seen = True
        if page is None or not isinstance(params, dict):
            return
        if method == "Network.requestWillBeSent":
            page.requests.append(str(params["request"]["url"]))
        elif method == "Runtime.exceptionThrown":
            page.console_errors.append(json.dumps(params["exceptionDetails"]))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            page.console_errors.append(json.dumps(params.get("args")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            page.console_errors.append(str(params["entry"].get("text")))

    def open_page(self, path: Path, width: int = 1400, height: int = 1000) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})
        attached = self.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        session = str(attached["sessionId"])
        page = Page(path.as_uri(), _browser=self, _session=session)
        self.pages[session] = page
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", {}, session)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        self.call("Page.navigate", {"url": page.url}, session)
        self.wait_for("Page.loadEventFired", session)
        page.settle()
        return page


@contextmanager
def browser() -> Iterator[Browser]:
    """A headless Chromium with a throwaway profile, ended when the block exits."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="jit-chromium-") as profile:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def fds() -> None:  # in the child, before exec: the pipe protocol wants fds 3 and 4
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w)]
            os.dup2(high[0], 3)  # dup2 makes them inheritable; the originals close on exec
            os.dup2(high[1], 4)

        proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=fds,
            close_fds=False,  # or fds 3 and 4 would be closed after preexec_fn
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        driver = Browser(proc, to_chrome_w, from_chrome_r)
        try:
            yield driver
        finally:
            with suppress(AssertionError):
                driver.call("Browser.close")
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            os.close(to_chrome_w)
            os.close(from_chrome_r)


def artifacts(tmp_path: Path) -> Path:
    """Where screenshots go: ``$JIT_ARTIFACTS_DIR`` (CI uploads it) or the test's tmp dir."""
    where = Path(os.environ.get("JIT_ARTIFACTS_DIR") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def shown(view: Page, selector: str) -> list[str]:
    found = view.evaluate(
        f"Array.from(document.querySelectorAll({selector!r}))"
        ".filter(e => e.offsetParent !== null).map(e => e.innerText)"
    )
    assert isinstance(found, list)
    return [str(text) for text in found]
