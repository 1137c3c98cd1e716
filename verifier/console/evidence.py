"""Evidence files for the console: found by record and role, checked against their digest.

A file is located from the SHA-256 the alert (or infringement record) holds, in the
evidence store's own layout, never from a path in a request: ``pages/ab/<sha256>``,
``images/ab/<sha256>``, ``crops/ab/<sha256>.png``. Before a file is shown its bytes are
hashed again; a file whose bytes no longer match is reported as tampered and never served
as if it were the evidence.
"""

from __future__ import annotations

import enum
import hashlib
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROLES = ("image", "crop", "page")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_CROP = re.compile(r"crops/([0-9a-f]{2})/([0-9a-f]{64})\.png")
#: Files larger than this are not read into memory for checking (the crawler keeps pages
#: and images far smaller).
MAX_BYTES = 64 * 1024 * 1024


class State(enum.StrEnum):
    OK = "ok"
    MISSING = "missing"
    TAMPERED = "tampered"


@dataclass(frozen=True)
class Expected:
    role: str
    sha256: str
    relative: str


@dataclass(frozen=True)
class Checked:
    expected: Expected
    state: State
    actual: str | None = None  # the digest found, when the file exists
    data: bytes | None = None  # only when the file is genuine


def expected(details: Mapping[str, Any], role: str) -> Expected | None:
    """Where the store keeps ``role``'s file for these details, or None if there is none."""
    if role == "page":
        digest = details.get("html_sha256")
        if isinstance(digest, str) and _DIGEST.fullmatch(digest):
            return Expected(role, digest, f"pages/{digest[:2]}/{digest}")
    elif role == "image":
        digest = details.get("image_sha256")
        if isinstance(digest, str) and _DIGEST.fullmatch(digest):
            return Expected(role, digest, f"images/{digest[:2]}/{digest}")
    elif role == "crop":
        # A crop's name is the digest of its bytes, so the name is the record of it.
        found = _CROP.fullmatch(str(details.get("crop_path") or ""))
        if found and found.group(2).startswith(found.group(1)):
            digest = found.group(2)
            return Expected(role, digest, f"crops/{digest[:2]}/{digest}.png")
    return None


#: A file as it stood when hashed: any write changes the size, the change time or both,
#: and the change time cannot be set back the way the modification time can.
FileKey = tuple[str, int, int, int, int, int]


def _key(path: Path, found: os.stat_result) -> FileKey:
    return (str(path), found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns,
            found.st_ctime_ns)


class DigestCache:
    """The SHA-256 of evidence files already hashed, by path and stat, least recent out.

    Every alert and record page checks each of its files (up to 64 MiB each); hashing
    them again on every view costs far more than a ``stat``. A file whose stat changed in
    any way is hashed again. File times tick coarsely, so a write in the same tick as the
    hash would leave the stat as it was: a file changed less than ``settle_ns`` ago is
    hashed but not remembered. Thread-safe: checks run in the executor's threads.
    """

    def __init__(self, size: int = 512, settle_ns: int = 2_000_000_000) -> None:
        self.size = size
        self.settle_ns = settle_ns
        self.hits = 0
        self._found: OrderedDict[FileKey, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: FileKey) -> str | None:
        with self._lock:
            digest = self._found.get(key)
            if digest is not None:
                self._found.move_to_end(key)
                self.hits += 1
            return digest

    def put(self, key: FileKey, digest: str) -> None:
        *_, mtime_ns, ctime_ns = key
        if time.time_ns() - max(mtime_ns, ctime_ns) < self.settle_ns:
            return
        with self._lock:
            self._found[key] = digest
            self._found.move_to_end(key)
            while len(self._found) > self.size:
                self._found.popitem(last=False)

    def __len__(self) -> int:
        return len(self._found)


DIGESTS = DigestCache()


def _verdict(wanted: Expected, actual: str, data: bytes | None) -> Checked:
    if actual != wanted.sha256:
        return Checked(wanted, State.TAMPERED, actual)
    return Checked(wanted, State.OK, actual, data)


def check(root: Path, wanted: Expected, *, keep: bool = False,
          cache: DigestCache | None = DIGESTS) -> Checked:
    """Hash the file again; with ``keep`` the bytes come back when they are genuine.

    Without ``keep`` a digest from ``cache`` for the same unchanged file is used; the bytes
    served (``keep``) are always hashed as they are read.
    """
    path = root / wanted.relative
    try:
        if not path.resolve().is_relative_to(root.resolve()):
            return Checked(wanted, State.TAMPERED)  # a link out of the store
        before = path.stat()
        if before.st_size > MAX_BYTES:
            return Checked(wanted, State.TAMPERED)
        key = _key(path, before)
        known = cache.get(key) if cache is not None and not keep else None
        if known is not None:
            return _verdict(wanted, known, None)
        data = path.read_bytes()
        after = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return Checked(wanted, State.MISSING)
    except OSError:
        return Checked(wanted, State.MISSING)
    actual = hashlib.sha256(data).hexdigest()
    if cache is not None and _key(path, after) == key:  # not written while being read
        cache.put(key, actual)
    return _verdict(wanted, actual, data if keep else None)


def check_all(root: Path, details: Mapping[str, Any]) -> dict[str, Checked]:
    """Every evidence file these details name, checked (for the alert and record pages)."""
    out = {}
    for role in ROLES:
        wanted = expected(details, role)
        if wanted is not None:
            out[role] = check(root, wanted)
    return out


def media_type(data: bytes) -> str | None:
    """The image type from the file's first bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:2] == b"BM":
        return "image/bmp"
    return None
