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
import re
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


def check(root: Path, wanted: Expected, *, keep: bool = False) -> Checked:
    """Hash the file again; with ``keep`` the bytes come back when they are genuine."""
    path = root / wanted.relative
    try:
        if not path.resolve().is_relative_to(root.resolve()):
            return Checked(wanted, State.TAMPERED)  # a link out of the store
        if path.stat().st_size > MAX_BYTES:
            return Checked(wanted, State.TAMPERED)
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return Checked(wanted, State.MISSING)
    except OSError:
        return Checked(wanted, State.MISSING)
    actual = hashlib.sha256(data).hexdigest()
    if actual != wanted.sha256:
        return Checked(wanted, State.TAMPERED, actual)
    return Checked(wanted, State.OK, actual, data if keep else None)


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
