"""Evidence digests are reused while a file is unchanged, and only then.

Real files in a real evidence store layout; the pages are served by a real console on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.models import Alert
from tests.console import test_alerts
from tests.console.conftest import Console
from tests.console.test_alerts import World, crawler_alert, user
from verifier.console import evidence

world = test_alerts.world
_close_clients = test_alerts._close_clients


def _stored(root: Path, data: bytes) -> evidence.Expected:
    digest = hashlib.sha256(data).hexdigest()
    wanted = evidence.Expected("page", digest, f"pages/{digest[:2]}/{digest}")
    (root / wanted.relative).parent.mkdir(parents=True, exist_ok=True)
    (root / wanted.relative).write_bytes(data)
    return wanted


def test_an_unchanged_file_is_hashed_once(tmp_path: Path) -> None:
    cache = evidence.DigestCache(settle_ns=0)
    wanted = _stored(tmp_path, b"<html>evidence</html>")
    first = evidence.check(tmp_path, wanted, cache=cache)
    second = evidence.check(tmp_path, wanted, cache=cache)
    assert first.state is second.state is evidence.State.OK
    assert second.actual == wanted.sha256 and cache.hits == 1
    # Serving always reads and hashes the bytes it returns.
    served = evidence.check(tmp_path, wanted, keep=True, cache=cache)
    assert served.data == b"<html>evidence</html>" and cache.hits == 1


def test_a_rewrite_with_the_same_size_and_mtime_is_still_found(tmp_path: Path) -> None:
    cache = evidence.DigestCache(settle_ns=0)
    wanted = _stored(tmp_path, b"<html>evidence</html>")
    path = tmp_path / wanted.relative
    assert evidence.check(tmp_path, wanted, cache=cache).state is evidence.State.OK
    stat = path.stat()
    while path.stat().st_ctime_ns == stat.st_ctime_ns:  # file times tick coarsely
        time.sleep(0.005)
        path.write_bytes(b"<html>EVIDENCE</html>")  # same length
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the old time put back
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    again = evidence.check(tmp_path, wanted, cache=cache)
    assert again.state is evidence.State.TAMPERED and cache.hits == 0
    path.unlink()
    assert evidence.check(tmp_path, wanted, cache=cache).state is evidence.State.MISSING


def test_a_file_written_just_now_is_not_remembered(tmp_path: Path) -> None:
    cache = evidence.DigestCache()  # the default settling time
    wanted = _stored(tmp_path, b"<html>fresh</html>")
    evidence.check(tmp_path, wanted, cache=cache)
    assert len(cache) == 0


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    cache = evidence.DigestCache(size=3, settle_ns=0)
    files = [_stored(tmp_path, f"page {i}".encode()) for i in range(5)]
    for wanted in files:
        assert evidence.check(tmp_path, wanted, cache=cache).state is evidence.State.OK
    assert len(cache) == 3
    evidence.check(tmp_path, files[0], cache=cache)  # the oldest went first
    assert cache.hits == 0
    evidence.check(tmp_path, files[4], cache=cache)
    assert cache.hits == 1


def test_viewing_an_alert_again_reuses_its_digests(console: Console, world: World,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence.DIGESTS, "settle_ns", 0)  # the files were written just now
    alert_id = crawler_alert(console, number=world.holder_number)
    client = user(console, "reviewer")
    assert 'data-state="ok"' in client.get(f"/console/alerts/{alert_id}").text
    hits = evidence.DIGESTS.hits
    page = client.get(f"/console/alerts/{alert_id}").text
    assert 'data-tampered' not in page and 'data-state="ok"' in page
    assert evidence.DIGESTS.hits >= hits + 3  # page, image and crop
    with console.engine.connect() as connection:
        details = connection.scalar(select(Alert.details).where(Alert.id == alert_id))
    (console.data_dir / "evidence" / details["image_path"]).write_bytes(b"not the image")
    assert 'data-tampered="image"' in client.get(f"/console/alerts/{alert_id}").text
