"""``shangpin market serve`` as a user runs it: a real process, stopped by a signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.market.conftest import PASSPHRASE


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHANGPIN_")}
    clean.update(SHANGPIN_DATA_DIR=str(tmp_path / "var"), SHANGPIN_KEY_PASSPHRASE=PASSPHRASE)
    return clean


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shangpin", *args], env=env,
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


@contextmanager
def _serving(env: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen[str], dict]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "shangpin", "market", "serve", "--port", "0", "--json", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once the port is bound
        if not line:
            raise AssertionError(f"market serve did not start: {proc.communicate()[1]}")
        yield proc, json.loads(line)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_seeds_serves_and_stops_on_a_signal(env: dict[str, str], tmp_path: Path) -> None:
    refused = _run(env, "market", "serve", "--seed", "3", "--no-seed", "--port", "0")
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: the sample market of seed 3 is not in the registry")
    assert len(refused.stderr.strip().splitlines()) == 1

    site = tmp_path / "site.toml"
    with _serving(env, "--seed", "3", "--products", "40", "--site-config", str(site)) as (
        proc, info
    ):
        assert info["products"] == 40 and info["seed"] == 3 and info["expected_alerts"] > 0
        config = tomllib.loads(site.read_text(encoding="utf-8"))
        assert config["start_urls"] == [info["url"]]
        page = httpx.get(info["url"], timeout=30)
        assert page.status_code == 200 and 'class="product-link"' in page.text
        port = info["url"].rsplit(":", 1)[1].strip("/")
        taken = _run(env, "market", "serve", "--seed", "3", "--port", port)
        assert taken.returncode == 2 and taken.stderr.startswith("error: cannot listen on")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "stopped" in err and "Traceback" not in err

    # The demo seeds beside the marketplace's holders; the market then serves from them.
    demo = _run(env, "demo", "seed", "--json")
    assert demo.returncode == 0, demo.stderr
    assert len(json.loads(demo.stdout)) == 8
    with _serving(env, "--seed", "3", "--no-seed") as (proc, info):
        assert Path(info["site_config"]) == Path(env["SHANGPIN_DATA_DIR"]) / "sample-market-3.toml"
        assert httpx.get(info["url"] + "robots.txt", timeout=30).status_code == 200
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
