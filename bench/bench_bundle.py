"""Offline bundle size for 100,000 certificates, raw and gzipped, beside the JSON status list.

    python bench/bench_bundle.py [--count 100000] [--seed 1]

Prints a markdown table for docs/benchmarks.md. Two registries of ``--count`` certificates:
* *registry-like*: numbers as the registry gives them (``SP-2026-00001``, two schemes,
  ten years, consecutive within a year) and statuses in a plausible mix (70 % valid,
  15 % expired, 5 % suspended, 4 % terminated, 3 % revoked, 3 % in publicity);
* *uniform statuses*: the same numbers, each status equally likely (the status table at its
  least compressible);
* *random numbers*: random 13-character numbers and uniformly random statuses, so neither
  the front coding nor the status table has anything to share (67 bits of entropy per
  number: no encoding brings these under 840 KB).
Each bundle holds three keys and a signed tree head, as a real one does. The baseline is
the signed JSON status list of ``/api/v1/status-list`` for the same statuses. Build and
verify times are one run each (Python), for orientation only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from issuer import bundle, ed25519  # noqa: E402
from issuer.payload import make_kid  # noqa: E402
from issuer.status import PublicStatus  # noqa: E402
from issuer.transparency.tree_head import TreeHead  # noqa: E402
from issuer.verification import PublicKey  # noqa: E402
from storage.enums import KeyState  # noqa: E402
from verifier.api import statuslist  # noqa: E402

NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)
MIX = [(PublicStatus.VALID, 70), (PublicStatus.EXPIRED, 15), (PublicStatus.SUSPENDED, 5),
       (PublicStatus.TERMINATED, 4), (PublicStatus.REVOKED, 3), (PublicStatus.PUBLICITY, 3)]


def registry_like(count: int, rng: random.Random) -> dict[str, str]:
    statuses, weights = zip(*MIX, strict=True)
    per_series = -(-count // 20)
    numbers = [f"{scheme}-{year}-{serial:05d}" for scheme in ("SB", "SP")
               for year in range(2017, 2027) for serial in range(1, per_series + 1)][:count]
    return {n: s.value for n, s in zip(numbers, rng.choices(statuses, weights, k=count),
                                       strict=True)}


def uniform_statuses(count: int, rng: random.Random) -> dict[str, str]:
    return {n: rng.choice(list(PublicStatus)).value for n in registry_like(count, rng)}


def random_numbers(count: int, rng: random.Random) -> dict[str, str]:
    alphabet = string.ascii_uppercase + string.digits
    table: dict[str, str] = {}
    while len(table) < count:
        number = "".join(rng.choices(alphabet, k=13))
        table[number] = rng.choice(list(PublicStatus)).value
    return table


def measure(statuses: dict[str, str]) -> dict[str, float]:
    seeds = [ed25519.generate_seed() for _ in range(3)]
    keys = {}
    for seed, state in zip(seeds, (KeyState.ACTIVE, KeyState.RETIRED, KeyState.COMPROMISED),
                           strict=True):
        public = ed25519.public_key_for(seed)
        keys[make_kid(public)] = PublicKey(make_kid(public), public, state)
    kid = make_kid(ed25519.public_key_for(seeds[0]))
    signer = ed25519.Signer(seeds[0])
    log_signer = ed25519.Signer(ed25519.generate_seed())
    head = TreeHead(size=len(statuses) * 3, root_hash=bytes(32),
                    timestamp_ms=1_795_000_000_000).sign(log_signer)
    started = time.perf_counter()
    data = bundle.sign(bundle.make_payload(
        statuses, keys, kid=kid, issued_at=NOW, on=NOW.date(), hosts=["SHANGPIN.EXAMPLE"],
        tree_head=head, log_key=log_signer.public_key), kid, signer)
    built = time.perf_counter() - started
    started = time.perf_counter()
    assert len(bundle.verify_bundle(data, keys).statuses) == len(statuses)
    verified = time.perf_counter() - started
    listed = statuslist.sign(statuslist.make_payload(statuses, kid=kid, issued_at=NOW,
                                                     on=NOW.date()), kid, signer)
    listed_bytes = statuslist.canonical(listed)
    return {
        "bundle": len(data), "bundle_gz": len(gzip.compress(data, 9)),
        "bundle_gz6": len(gzip.compress(data, 6)),
        "list": len(listed_bytes), "list_gz": len(gzip.compress(listed_bytes, 9)),
        "build_s": built, "verify_s": verified,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"{args.count:,} certificates; sizes in bytes (KB = 1,000 bytes)\n")
    print("| registry | bundle raw | bundle gzip -9 | gzip -6 | per certificate (gzip -9) |"
          " JSON status list raw | its gzip -9 | build | verify |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, make in (("registry-like", registry_like), ("uniform statuses", uniform_statuses),
                       ("random numbers", random_numbers)):
        m = measure(make(args.count, rng))
        print(f"| {name} | {m['bundle']:,} | {m['bundle_gz']:,} | {m['bundle_gz6']:,} |"
              f" {m['bundle_gz'] / args.count:.2f} | {m['list']:,} | {m['list_gz']:,} |"
              f" {m['build_s'] * 1000:.0f} ms | {m['verify_s'] * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
