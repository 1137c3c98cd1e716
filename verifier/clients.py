"""Coarse, privacy-preserving facts about a client: keyed hashes, never raw addresses."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from pathlib import Path

from aiohttp import web


def load_hash_key(configured: str | None, data_dir: Path) -> bytes:
    """The scan-hash key: configured, or a random one kept (0600) in the data directory."""
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "scan-hash.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    try:
        # link() fails if another process won the race: then use its key.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes()


def client_address(request: web.BaseRequest) -> str:
    return request.remote or "unknown"


def network_of(address: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network: what "many distinct networks" counts."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def keyed_hash(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


#: Per-process memories of values derived from what a client sends. A client sends the
#: same address and User-Agent with every request, so each is worked out once; past the
#: bound a memory is simply started afresh (a flood of distinct values costs memory once).
MAX_REMEMBERED = 50_000
#: Longer User-Agent values are classified every time rather than remembered.
MAX_REMEMBERED_AGENT = 512
_CLIENT_HASHES: dict[tuple[bytes, str], tuple[str, str]] = {}
_AGENT_FAMILIES: dict[str, str] = {}


def client_hashes(key: bytes, address: str) -> tuple[str, str]:
    """(address hash, network hash), remembered per address: two HMACs and an
    ``ipaddress`` parse per request add up on the scan path."""
    try:
        return _CLIENT_HASHES[(key, address)]
    except KeyError:
        pass
    if len(_CLIENT_HASHES) >= MAX_REMEMBERED:
        _CLIENT_HASHES.clear()
    hashes = (keyed_hash(key, address), keyed_hash(key, network_of(address)))
    _CLIENT_HASHES[(key, address)] = hashes
    return hashes


def _classify_agent(user_agent: str) -> str:
    ua = user_agent.lower()
    for needle, family in (("micromessenger", "wechat"), ("alipay", "alipay"),
                           ("iphone", "ios"), ("ipad", "ios"), ("android", "android"),
                           ("headless", "bot"), ("bot", "bot"), ("curl", "cli"),
                           ("python", "cli"), ("mozilla", "desktop")):
        if needle in ua:
            return family
    return "other"


def agent_family(user_agent: str) -> str:
    """A coarse family only; the full user agent is not kept."""
    family = _AGENT_FAMILIES.get(user_agent)
    if family is None:
        family = _classify_agent(user_agent)
        if len(user_agent) <= MAX_REMEMBERED_AGENT:
            if len(_AGENT_FAMILIES) >= MAX_REMEMBERED:
                _AGENT_FAMILIES.clear()
            _AGENT_FAMILIES[user_agent] = family
    return family
