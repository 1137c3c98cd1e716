"""QR codes in a listing image: their texts, where they sit, and for mark URLs the verdict.

A mark's QR carries a signed code, so the crawler can tell a forged or borrowed code from a
genuine one offline, with the issuer's own verification.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

import numpy as np
import numpy.typing as npt
import zxingcpp

from issuer.verification import PublicKey, verify_code

_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
#: A mark URL (HTTPS://<host>/V/<code>); scheme and host in any case, as phones write them.
_MARK_URL = re.compile(r"(?i:https://)([^/\s]+)/V/\S*")


def read_qr(grey: npt.NDArray[np.uint8]) -> list[tuple[str, list[list[float]]]]:
    """(text, quad) of every QR code zxing-cpp reads; the quad's corners are clockwise from
    the code's own top-left, in the given image's pixels."""
    found = zxingcpp.read_barcodes(grey, formats=_QR, try_rotate=True, try_downscale=True)
    out: list[tuple[str, list[list[float]]]] = []
    seen: set[str] = set()
    for code in found:
        if not code.valid or code.text in seen:
            continue
        seen.add(code.text)
        p = code.position
        quad = [[float(c.x), float(c.y)] for c in (p.top_left, p.top_right, p.bottom_right,
                                                   p.bottom_left)]
        out.append((code.text, quad))
    return out


def is_mark_url(text: str, hosts: Collection[str] | None) -> bool:
    match = _MARK_URL.fullmatch(text.strip())
    if match is None:
        return False
    return hosts is None or match.group(1).upper() in {h.upper() for h in hosts}


def verification(text: str, keys: Mapping[str, PublicKey] | None,
                 hosts: Collection[str] | None) -> str | None:
    """The issuer's verdict for a mark URL (``authentic``, ``forged``, ``unknown_key``,
    ``compromised_key``, ``malformed``); None without keys or for any other text."""
    if keys is None or not is_mark_url(text, hosts):
        return None
    return verify_code(text, keys, hosts).verdict.value
