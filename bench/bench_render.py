"""Mark rendering time, beside segno rendering the same bare QR codes in the same run.

    python bench/bench_render.py [--runs 50] [--proof-runs 10]

Prints a markdown table. Every timed call gets a URL it has not seen before, so the QR
encoding (and the mask check in ``issuer.artwork``) is paid each time, as it is when a new
certificate's mark is rendered; the artwork itself is warm, as in a running process. The
proof-scanned render (what ``shangpin mark render`` draws) decodes dozens of simulated
captures per mark, so it gets its own, smaller number of runs.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import segno  # noqa: E402

from issuer import artwork  # noqa: E402
from storage.enums import Scheme  # noqa: E402

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
NUMBER = "SP-2025-00012"


def fresh_urls(count: int, rng: random.Random) -> list[str]:
    return [
        "HTTPS://SHANGPIN.EXAMPLE/V/" + "".join(rng.choice(BASE32) for _ in range(146))
        for _ in range(count)
    ]


def timed(fn: Callable[[str], object], urls: list[str]) -> list[float]:
    """Seconds per call, one call per URL."""
    times = []
    for url in urls:
        start = time.perf_counter()
        fn(url)
        times.append(time.perf_counter() - start)
    return times


def segno_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(url, error="q", boost_error=False, mode="alphanumeric").save(
        out, kind="png", scale=8
    )
    return out.getvalue()


def segno_svg(url: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(url, error="q", boost_error=False, mode="alphanumeric").save(
        out, kind="svg", unit="mm", scale=0.33
    )
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--proof-runs", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(2025)
    scheme = Scheme.SHANGPIN

    # Warm up: load the artwork, scale and quantise it once, as a server does on first use.
    warm = fresh_urls(1, rng)[0]
    artwork.render_mark_png(warm, NUMBER, scheme)
    artwork.render_mark_svg(warm, NUMBER, scheme)
    segno_png(warm)

    cases: list[tuple[str, Callable[[str], object]]] = [
        ("segno `qr.save(kind='png', scale=8)` (baseline)", segno_png),
        ("segno `qr.save(kind='svg')` (baseline)", segno_svg),
        ("`render_mark_png`, 600 dpi", lambda u: artwork.render_mark_png(u, NUMBER, scheme)),
        ("`render_mark_svg`", lambda u: artwork.render_mark_svg(u, NUMBER, scheme)),
    ]
    rows = []
    for name, fn in cases:
        runs = timed(fn, fresh_urls(args.runs, rng))
        rows.append((name, runs))

    # The same renders for URLs already encoded (the symbol is cached per URL, as when a mark
    # is rendered as PNG and SVG): the drawing and PNG encoding alone.
    urls = fresh_urls(args.runs, rng)
    for url in urls:
        artwork.qr_matrix(url)
    rows.append(
        (
            "`render_mark_png`, 600 dpi, QR already encoded",
            timed(lambda u: artwork.render_mark_png(u, NUMBER, scheme), urls),
        )
    )
    rows.append(
        (
            "`render_mark_svg`, QR already encoded",
            timed(lambda u: artwork.render_mark_svg(u, NUMBER, scheme), urls),
        )
    )

    # What `shangpin mark render` draws: a proof scan picks the QR's mask and position first.
    artwork.render_mark_png(warm, NUMBER, scheme, proof_scan=True)  # loads OpenCV, zxing-cpp
    rows.append(
        (
            "`render_mark_png(proof_scan=True)`, 600 dpi (`mark render`)",
            timed(
                lambda u: artwork.render_mark_png(u, NUMBER, scheme, proof_scan=True),
                fresh_urls(args.proof_runs, rng),
            ),
        )
    )

    size = len(artwork.render_mark_png(urls[0], NUMBER, scheme))
    print(
        f"Median and 90th percentile of {args.runs} calls ({args.proof_runs} proof-scanned), "
        "each with a new URL (146-char code)."
    )
    print(f"One mark PNG at 600 dpi is {size / 1024:.0f} KB.\n")
    print("| what | median ms | p90 ms |")
    print("|---|---:|---:|")
    for name, runs in rows:
        ms = sorted(t * 1000 for t in runs)
        p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
        print(f"| {name} | {statistics.median(ms):.1f} | {p90:.1f} |")


if __name__ == "__main__":
    main()
