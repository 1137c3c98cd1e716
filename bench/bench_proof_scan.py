"""How often a rendered mark fails a decoder: the standard symbol beside the proof-scanned one.

    python bench/bench_proof_scan.py [--marks 600] [--standard 150] [--workers 2]

Each mark is a fresh random signed mark URL (both schemes, unit serials and hosts mixed),
rendered as a 600 dpi PNG, loaded as ``cv2.imread`` loads it and decoded by zxing-cpp, zbar
and OpenCV after each capture of three sets:

* ``acceptance``: the mark's acceptance check (clean; 2.5 px/module by ``cv2.INTER_AREA``;
  rotated 20°; JPEG quality 40; 3 px/module then Gaussian blur σ = 1);
* ``proof``: every capture the proof scan simulates (``issuer.scanproof.CAPTURES``), where
  zbar is the independent decoder, as the proof runs only OpenCV and zxing-cpp;
* ``dense``: 2.40 to 2.60 px/module in steps of 0.01, by OpenCV (area) and Pillow (bicubic),
  scales the proof does not simulate.

Prints a markdown table: marks that miss anything in each set, and misses per decoder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np
import zxingcpp
from PIL import Image
from pyzbar import pyzbar

from issuer import ed25519, scanproof
from issuer.artwork import render_mark_png
from issuer.marks import sign_mark
from issuer.payload import make_kid
from issuer.urls import mark_url
from storage.enums import Scheme

PPM = 8  # 600 dpi, 0.33 mm modules
Capture = Callable[[np.ndarray], np.ndarray]


def random_mark(rng: random.Random) -> tuple[str, str, Scheme]:
    seed = rng.randbytes(32)
    kid = make_kid(ed25519.public_key_for(seed))
    year = rng.randint(2024, 2030)
    scheme = rng.choice(list(Scheme))
    number = f"{'SP' if scheme is Scheme.SHANGPIN else 'SB'}-{year}-{rng.randint(0, 99_999):05d}"
    start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    serial = rng.choice([None, rng.randint(1, 2_097_151)])
    code = sign_mark((kid, seed), number, start, start + dt.timedelta(days=1095), serial)
    host = rng.choice(["SHANGPIN.EXAMPLE", "VERIFY.SHANGPIN.CN", "V.SHANGPIN.ORG.CN"])
    return mark_url(host, code), number, scheme


def decode_all(image: np.ndarray) -> dict[str, str | None]:
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    zbar = pyzbar.decode(Image.fromarray(gray), symbols=[pyzbar.ZBarSymbol.QRCODE])
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(gray)
    return {
        "zxing-cpp": found[0].text if found else None,
        "zbar": zbar[0].data.decode("ascii", "replace") if zbar else None,
        "opencv": text or None,
    }


def _cv(ppm: float) -> Capture:
    return lambda im: cv2.resize(im, None, fx=ppm / PPM, fy=ppm / PPM, interpolation=cv2.INTER_AREA)


def _pil(ppm: float) -> Capture:
    def apply(im: np.ndarray) -> np.ndarray:
        rgb = Image.fromarray(cv2.cvtColor(im, cv2.COLOR_BGR2RGB))
        size = (round(rgb.width * ppm / PPM), round(rgb.height * ppm / PPM))
        return cv2.cvtColor(np.asarray(rgb.resize(size, Image.Resampling.BICUBIC)),
                            cv2.COLOR_RGB2BGR)

    return apply


def _rotate(im: np.ndarray) -> np.ndarray:
    """Rotated 20° on a canvas grown to keep the whole mark."""
    h, w = im.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 20, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos + 0.5), int(h * cos + w * sin + 0.5)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(im, m, (nw, nh), borderValue=(255, 255, 255))


def _jpeg(im: np.ndarray) -> np.ndarray:
    _, data = cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, 40])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


ACCEPTANCE: dict[str, Capture] = {
    "clean": lambda im: im,
    "2.5px": _cv(2.5),
    "rotated 20": _rotate,
    "jpeg 40": _jpeg,
    "3px blur 1": lambda im: cv2.GaussianBlur(_cv(3.0)(im), (0, 0), 1.0),
}
PROOF: dict[str, Capture] = {
    c.name: (lambda im, c=c: c.apply(im, PPM)) for c in scanproof.CAPTURES
}
DENSE: dict[str, Capture] = {
    f"{p / 100:.2f}px {way}": how(p / 100)
    for p in range(240, 261)
    for way, how in (("cv2 area", _cv), ("PIL bicubic", _pil))
}
SETS = {"acceptance": ACCEPTANCE, "proof": PROOF, "dense": DENSE}


def check(job: tuple[int, bool]) -> dict[str, Counter[str]]:
    """Misses of one mark: per set, per decoder, plus ``"any"`` when anything missed."""
    seed, proofed = job
    url, number, scheme = random_mark(random.Random(seed))
    png = render_mark_png(url, number, scheme, proof_scan=proofed)
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    out: dict[str, Counter[str]] = {}
    for name, captures in SETS.items():
        misses: Counter[str] = Counter()
        for capture in captures.values():
            for decoder, text in decode_all(capture(image)).items():
                misses[decoder] += text != url
        misses["any"] = int(any(misses.values()))
        out[name] = misses
    return out


def run(count: int, proofed: bool, first_seed: int, workers: int) -> dict[str, Counter[str]]:
    totals: dict[str, Counter[str]] = {name: Counter() for name in SETS}
    jobs = [(first_seed + i, proofed) for i in range(count)]
    with ProcessPoolExecutor(workers) as pool:
        for result in pool.map(check, jobs, chunksize=4):
            for name, misses in result.items():
                totals[name].update(misses)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marks", type=int, default=600, help="proof-scanned marks")
    parser.add_argument("--standard", type=int, default=150, help="unproofed marks")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for label, count, proofed, seed in (
        ("standard symbol on the grid (`render_mark_png`)", args.standard, False, 1_000_000),
        ("proof-scanned (`shangpin mark render`)", args.marks, True, 2_000_000),
    ):
        started = time.perf_counter()
        totals = run(count, proofed, seed, args.workers)
        rows.append((label, count, totals, time.perf_counter() - started))
    print(f"Decodes per mark: {', '.join(f'{k} {len(v)} captures' for k, v in SETS.items())};"
          " three decoders each.\n")
    print("| marks | set | marks missing anything | zxing-cpp misses | zbar misses |"
          " OpenCV misses |")
    print("|---|---|---:|---:|---:|---:|")
    for label, count, totals, _ in rows:
        for name, misses in totals.items():
            decodes = count * len(SETS[name])
            print(f"| {label}, {count} | {name} | {misses['any']} ({misses['any'] / count:.1%}) |"
                  f" {misses['zxing-cpp']} / {decodes} | {misses['zbar']} / {decodes} |"
                  f" {misses['opencv']} / {decodes} |")
    for label, count, _, seconds in rows:
        print(f"\n{label}: {count} marks in {seconds:.0f} s with {args.workers} workers.")


if __name__ == "__main__":
    main()
