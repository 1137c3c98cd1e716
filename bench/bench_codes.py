"""Unit-code signing and verification throughput, beside bare Ed25519 in the same run.

    python bench/bench_codes.py [--count 1000000] [--sample 50000]

Prints a markdown table for docs/benchmarks.md. Measures:
* bare Ed25519 signing of the exact payloads unit codes sign (libsodium via PyNaCl, and
  `cryptography` for comparison), one core;
* signed unit codes per second on one core (build payload, sign, base32, CSV line);
* COUNT codes written to a CSV file with every core, wall time and peak memory, beside
  the bare-signing time for COUNT payloads, and peak memory for COUNT/10 to show that
  memory does not grow with the count;
* verifications per second on one core (`verify_code` on a unit-code URL), beside bare
  Ed25519 verification.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from issuer import ed25519  # noqa: E402
from issuer.payload import SIGNING_CONTEXT, MarkPayload, make_kid  # noqa: E402
from issuer.unitcodes import BatchSpec, write_codes_csv  # noqa: E402
from issuer.verification import PublicKey, verify_code  # noqa: E402
from storage.enums import KeyState  # noqa: E402

HOST = "SHANGPIN.EXAMPLE"
NUMBER = "SP-2026-00012"
DAY = dt.date(2026, 1, 1)


def messages(seed: bytes, count: int, start: int = 1) -> list[bytes]:
    kid = make_kid(ed25519.public_key_for(seed))
    return [
        SIGNING_CONTEXT + MarkPayload(kid, NUMBER, DAY, DAY.replace(year=2029), n).body()
        for n in range(start, start + count)
    ]


def per_op(fn, items, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    """Median seconds per item over ``repeat`` passes."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            fn(item)
        runs.append((time.perf_counter() - start) / len(items))
    return statistics.median(runs)


def csv_run(count: int, processes: int) -> tuple[float, int]:
    """Write ``count`` codes in a child process; return (seconds, peak RSS of all its processes)."""
    code = (
        "import sys, time, datetime as dt, resource\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "from bench.bench_codes import write_csv\n"
        f"s = write_csv({count}, {processes}, sys.argv[1])\n"
        "self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kids_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(s, self_kb, kids_kb)\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", code, str(Path(tmp) / "codes.csv")],
            check=True, capture_output=True, text=True,
        ).stdout.split()
    return float(out[0]), max(int(out[1]), int(out[2])) * 1024


def write_csv(count: int, processes: int, path: str) -> float:
    seed = ed25519.generate_seed()
    spec = BatchSpec(make_kid(ed25519.public_key_for(seed)), NUMBER, DAY,
                     DAY.replace(year=2029), f"HTTPS://{HOST}/V/")
    start = time.perf_counter()
    with open(path, "w", encoding="ascii", newline="") as handle:
        write_codes_csv(handle, seed, spec, 1, count, processes=processes)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    args = parser.parse_args()

    seed = ed25519.generate_seed()
    sample = messages(seed, args.sample)
    signer = ed25519.Signer(seed)
    openssl_key = Ed25519PrivateKey.from_private_bytes(seed)

    sodium_sign = per_op(signer.sign, sample)
    openssl_sign = per_op(openssl_key.sign, sample)

    spec = BatchSpec(make_kid(signer.public_key), NUMBER, DAY, DAY.replace(year=2029),
                     f"HTTPS://{HOST}/V/")
    one_core = []
    for _ in range(3):
        start = time.perf_counter()
        write_codes_csv(io.StringIO(), seed, spec, 1, args.sample, processes=1)
        one_core.append((time.perf_counter() - start) / args.sample)
    code_one_core = statistics.median(one_core)

    # Bare signing of COUNT payloads, measured, not extrapolated.
    full = messages(seed, args.count)
    start = time.perf_counter()
    for message in full:
        signer.sign(message)
    bare_full = time.perf_counter() - start
    del full

    cores = os.cpu_count() or 1
    csv_seconds, csv_rss = csv_run(args.count, cores)
    _small_seconds, small_rss = csv_run(max(1, args.count // 10), cores)

    kid = make_kid(signer.public_key)
    keys = {kid: PublicKey(kid, signer.public_key, KeyState.ACTIVE)}
    buffer = io.StringIO()
    write_codes_csv(buffer, seed, spec, 1, 5000, processes=1)
    urls = [line.rsplit(",", 1)[1] for line in buffer.getvalue().splitlines()[1:]]
    verify_one = per_op(lambda url: verify_code(url, keys, [HOST]), urls)
    pairs = [(m, signer.sign(m)) for m in sample[:5000]]
    bare_verify = per_op(lambda p: ed25519.verify(signer.public_key, p[1], p[0]), pairs)
    public = openssl_key.public_key()
    openssl_verify = per_op(lambda p: public.verify(p[1], p[0]), pairs)

    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    print()
    print("| measure | figure |")
    print("|---|---|")
    print(f"| bare Ed25519 sign, libsodium (PyNaCl), 1 core | {sodium_sign * 1e6:.1f} µs "
          f"({1 / sodium_sign:,.0f}/s) |")
    print(f"| bare Ed25519 sign, cryptography (OpenSSL), 1 core | {openssl_sign * 1e6:.1f} µs "
          f"({1 / openssl_sign:,.0f}/s) |")
    print(f"| signed unit codes (payload + sign + base32 + CSV line), 1 core | "
          f"{code_one_core * 1e6:.1f} µs ({1 / code_one_core:,.0f}/s) |")
    print(f"| bare signing of {args.count:,} payloads, 1 core (libsodium) | {bare_full:.1f} s |")
    print(f"| {args.count:,} codes to CSV, {cores} processes | {csv_seconds:.1f} s "
          f"({csv_seconds / bare_full:.2f} × bare signing) |")
    print(f"| peak memory, {args.count:,} codes / {max(1, args.count // 10):,} codes | "
          f"{csv_rss / 2**20:.0f} MiB / {small_rss / 2**20:.0f} MiB |")
    print(f"| verify_code on a unit-code URL, 1 core | {verify_one * 1e6:.1f} µs "
          f"({1 / verify_one:,.0f}/s) |")
    print(f"| bare Ed25519 verify, libsodium / cryptography, 1 core | {bare_verify * 1e6:.1f} µs / "
          f"{openssl_verify * 1e6:.1f} µs |")


if __name__ == "__main__":
    main()
