"""``shangpin demo`` as a newcomer runs it: a real process on a fresh directory, with no
passphrase set, stopped with Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from sqlalchemy import Select, func, select

from storage.models import Alert, AuditEntry, Certificate, StaffUser
from storage.session import Database

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 300  # a crawl of the smallest marketplace on a loaded two-core machine
STATUSES = {"valid", "suspended", "expired", "terminated", "revoked", "publicity"}
SCAN_LINE = re.compile(r"^  (\w+)\s+(shangpin|cultivation)\s+(\S+)\s+(http://\S+/V/\S+)$")
LOGIN_LINE = re.compile(r"^  (\w+)\s+user (\S+)\s+password (\S+)")


@dataclass
class Demo:
    """A running ``shangpin demo``: its process and what it printed so far."""

    proc: subprocess.Popen[str]
    data_dir: Path
    lines: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    readers: list[threading.Thread] = field(default_factory=list)

    def value(self, label: str) -> str:
        """The value printed after ``label`` at the start of a line."""
        for line in self.lines:
            if line.startswith(label + " "):
                return line[len(label):].strip()
        raise AssertionError(f"no line starting {label!r} in:\n" + "\n".join(self.lines))

    def scans(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for line in self.lines:
            match = SCAN_LINE.match(line)
            if match:
                found.setdefault(match[1], []).append(match[4])
        return found

    def logins(self) -> dict[str, tuple[str, str]]:
        """role -> (user name, password)."""
        return {m[1]: (m[2], m[3]) for m in map(LOGIN_LINE.match, self.lines) if m}

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C; the exit status and everything printed."""
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        for reader in self.readers:
            reader.join(timeout=30)  # everything printed up to the exit
        return code, "\n".join(self.lines), "\n".join(self.err)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    """A fresh clone's environment: no SHANGPIN_* at all, not even the passphrase."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SHANGPIN_")}


def _pump(stream: IO[str], into: list[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        into.append(line.rstrip("\n"))
        lines.put(line.rstrip("\n"))
    lines.put(None)


@contextmanager
def _demo(data_dir: Path, *args: str, until: str = "ready:") -> Iterator[Demo]:
    """Start the demo and wait for a line starting ``until``; kill it if a test fails first."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "shangpin", "demo", "--data-dir", str(data_dir), *args],
        cwd=data_dir.parent, env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    demo = Demo(proc, data_dir)
    out: queue.Queue[str | None] = queue.Queue()
    readers = [threading.Thread(target=_pump, args=(proc.stdout, demo.lines, out), daemon=True),
               threading.Thread(target=_pump, args=(proc.stderr, demo.err, queue.Queue()),
                                daemon=True)]
    for reader in readers:
        reader.start()
    demo.readers = readers
    try:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            line = out.get(timeout=max(1.0, deadline - time.monotonic()))
            if line is None:
                proc.wait(timeout=30)
                raise AssertionError(f"demo exited {proc.returncode} before it was ready:\n"
                                     + "\n".join(demo.lines + demo.err))
            if line.startswith(until):
                break
        yield demo
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for reader in readers:
            reader.join(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _count(database_url: str, statement: Select[Any]) -> int:
    database = Database.open(database_url)
    try:
        with database.transaction() as session:
            return int(session.scalar(statement) or 0)
    finally:
        database.close()


def _sign_in(base: str, username: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/console/login")
        assert form.status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        return client.post("/console/login", data={
            "csrf_token": token[1], "next": "/console", "username": username,
            "password": password})


@pytest.mark.slow
def test_demo_serves_scans_console_and_crawl_alerts_then_stops_on_ctrl_c(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    with socket.socket() as busy:  # the asked-for port is taken: the demo picks another
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        with _demo(data_dir, "--port", str(taken), "--market-port", str(_free_port()),
                   "--products", "32") as demo:
            base = demo.value("verifier").rstrip("/")
            assert base.startswith("http://127.0.0.1:") and not base.endswith(f":{taken}")
            assert f"port {taken} is busy" in "\n".join(demo.lines)
            assert "demo-only passphrase" in "\n".join(demo.lines)

            scans = demo.scans()
            assert set(scans) == STATUSES
            with httpx.Client(timeout=30) as client:
                for status, urls in scans.items():
                    for url in urls:
                        page = client.get(url)
                        assert page.status_code == 200, url
                        assert f'data-status="{status}"' in page.text, url
                assert client.get(demo.value("public registry")).status_code == 200
                market = client.get(demo.value("sample marketplace"))
                assert market.status_code == 200 and "product-link" in market.text
            login_url = demo.value("console sign-in")
            assert login_url == f"{base}/console/login"
            assert httpx.get(login_url, timeout=30).status_code == 200
            logins = demo.logins()
            assert set(logins) == {"alliance_reviewer", "alliance_admin", "body_officer",
                                   "holder"}
            reviewer, password = logins["alliance_reviewer"]
            signed_in = _sign_in(base, reviewer, password)
            assert signed_in.status_code in (302, 303)
            assert signed_in.headers["location"].startswith("/console")
            assert _sign_in(base, reviewer, password + "x").status_code == 401
            assert demo.value("alert queue") == f"{base}/console/alerts"

            printed = re.search(r"^crawler alerts in the queue: (\d+)", "\n".join(demo.lines),
                                re.MULTILINE)
            assert printed is not None, demo.lines
            crawl = re.search(r"^crawl finished: \d+ listings, \d+ images, (\d+) new alerts",
                              "\n".join(demo.lines), re.MULTILINE)
            assert crawl is not None, demo.lines
            database_url = f"sqlite:///{data_dir / 'shangpin.db'}"
            stored = _count(database_url, select(func.count()).select_from(Alert)
                            .where(Alert.source == "crawler"))
            assert stored > 0
            assert int(printed[1]) == int(crawl[1]) == stored  # a fresh directory

            code, out, err = demo.stop()
    assert code == 0, err
    assert "Traceback" not in out + err
    assert out.splitlines()[-1] == "demo stopped"
    # The passwords went to the terminal only: not to stderr, the crawl log or the database.
    logged = err + (data_dir / "crawl.log").read_text(encoding="utf-8")
    assert all(pw not in logged for _user, pw in logins.values())
    assert all(pw.encode() not in (data_dir / "shangpin.db").read_bytes()
               for _user, pw in logins.values())


@pytest.mark.slow
def test_demo_runs_again_on_its_directory_without_seeding_twice(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    database_url = f"sqlite:///{data_dir / 'shangpin.db'}"
    ports = ("--port", "0", "--market-port", "0", "--no-crawl")
    with _demo(data_dir, *ports) as first:
        first_logins = first.logins()
        assert "crawling" not in "\n".join(first.lines)
        code, out, _err = first.stop()
    assert code == 0
    assert "seeded the demo registry" in out
    certificates = _count(database_url, select(func.count()).select_from(Certificate))
    assert certificates == 8 + 9  # the demo's and the marketplace holders'

    with _demo(data_dir, *ports) as second:
        second_logins = second.logins()
        base = second.value("verifier").rstrip("/")
        assert set(second.scans()) == STATUSES
        reviewer, old = first_logins["alliance_reviewer"]
        assert second_logins["alliance_reviewer"][1] != old  # new passwords every run
        assert _sign_in(base, reviewer, old).status_code == 401
        assert _sign_in(base, *second_logins["alliance_reviewer"]).status_code in (302, 303)
        code, out, err = second.stop()
    assert code == 0, err
    assert "reusing the demo registry" in out and "Traceback" not in out + err
    assert _count(database_url, select(func.count()).select_from(Certificate)) == certificates
    assert _count(database_url, select(func.count()).select_from(StaffUser)) == 4
    resets = _count(database_url, select(func.count()).select_from(AuditEntry)
                    .where(AuditEntry.action == "user.reset_password"))
    assert resets == 4


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line mentions ``text`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # ended meanwhile
        if text in command:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_ctrl_c_while_crawling_stops_the_crawl_and_exits_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    site_file = str(data_dir / "sample-market.toml")
    with _demo(data_dir, "--port", "0", "--market-port", "0", "--products", "32",
               until="crawling") as demo:
        code, out, err = demo.stop()
    assert code == 0, err
    assert "Traceback" not in out + err
    # Usually "crawl stopped before it finished"; on a fast machine the crawl may just end.
    assert "crawl stopped before it finished" in out or "crawl finished" in out
    assert out.splitlines()[-1] == "demo stopped"
    assert not _processes_mentioning(site_file)  # no crawl left behind


def test_the_products_option_has_the_marketplaces_floor() -> None:
    from shangpin.cli.demo import MIN_PRODUCTS
    from shangpin.market.catalogue import MIN_PRODUCTS as MARKET_MIN

    assert MIN_PRODUCTS == MARKET_MIN


@pytest.mark.parametrize("configured", ["data dir", "database"])
def test_demo_refuses_the_configured_database(tmp_path: Path, configured: str) -> None:
    """The demo makes demo admin accounts: it must never run in the real database."""
    real = tmp_path / "var"
    env = _env()
    if configured == "data dir":
        env["SHANGPIN_DATA_DIR"] = str(real)
    else:
        env["SHANGPIN_DATABASE_URL"] = f"sqlite:///{real / 'shangpin.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "shangpin", "demo", "--data-dir", str(real), "--no-crawl"],
        env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "holds the configured database" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (real / "shangpin.db").exists()
