"""Crawl benchmark: listings/s against the sample marketplace, beside a fetch-only baseline.

    python bench/crawl/run.py [--products 60] [--seed 1] [--repeat 1] [--json OUT]

Seeds a fresh SQLite registry for the sample marketplace (``shangpin.market``), serves the
marketplace on loopback from this process (every image rendered before the clock starts, so
the site answers from memory), then runs ``shangpin crawl --json`` as separate processes:

1. fetch only (``--no-detect``): pages and images fetched, nothing analysed — the baseline;
2. detection on, in a fresh copy of the registry (no image known yet);
3. the same crawl again on that database: every image is already known, so the analysis cache
   answers and only the rules and the database writes remain.

Listings/s is the crawl's own elapsed time (Scrapy start to close, not Python start-up);
CPU is the crawl process's user + system time. The site file's AutoThrottle first delay is
set to 0 (see ``_site_file``). Prints a markdown table and machine notes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from shangpin.market import Market, make_app, seed_registry  # noqa: E402
from storage.session import Database  # noqa: E402

PASSPHRASE = "bench-crawl-passphrase"  # a throwaway registry made for this run only


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="rounds; medians are reported")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="shangpin-bench-crawl-") as tmp:
        work = Path(tmp)
        pristine = work / "registry.db"
        market = _seeded_market(pristine, args.seed, args.products)
        with _serve(market) as url:
            site_file = _site_file(work, market.site_config(url))
            rounds: dict[str, list[dict[str, Any]]] = {"fetch": [], "detect": [], "known": []}
            for n in range(args.repeat):
                database = work / f"round-{n}.db"
                shutil.copyfile(pristine, database)
                data_dir = work / f"data-{n}"
                rounds["fetch"].append(_crawl(site_file, database, data_dir, "--no-detect"))
                rounds["detect"].append(_crawl(site_file, database, data_dir))
                rounds["known"].append(_crawl(site_file, database, data_dir))
    figures = {name: _median(runs) for name, runs in rounds.items()}
    figures["products"] = args.products
    figures["expected_alerts"] = len(market.expected_alerts())
    figures["repeat"] = args.repeat
    figures["rounds"] = rounds
    figures["machine"] = _machine()
    print(_markdown(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def _seeded_market(path: Path, seed: int, products: int) -> Market:
    database = Database.open(f"sqlite:///{path}")
    try:
        with database.transaction() as session:
            registry = seed_registry(session, PASSPHRASE, seed=seed)
    finally:
        database.close()
    market = Market(registry, products=products, cache_size=4 * products + 64)
    for product in market.products:  # render now: the crawl must not wait on the site
        for image in product.images:
            market.image(image.name)
    return market


def _site_file(work: Path, text: str) -> Path:
    """The marketplace's site file without AutoThrottle's polite first delay (1 s by
    default), which on loopback would only add a constant to every run."""
    from crawler.crawl.siteconfig import load

    if text.rfind("[limits]") > text.rfind("[selectors]"):
        text = text.rstrip("\n") + "\ndelay_seconds = 0\n"
    else:
        text = text.rstrip("\n") + "\n[limits]\ndelay_seconds = 0\n"
    path = work / "site.toml"
    path.write_text(text, encoding="utf-8")
    if load(path).limits.delay_seconds != 0:
        raise RuntimeError("could not set delay_seconds = 0 in the marketplace's site file")
    return path


@contextmanager
def _serve(market: Market) -> Iterator[str]:
    """The marketplace on a free loopback port, from a thread with its own event loop."""
    from aiohttp import web

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            runner = web.AppRunner(make_app(market), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            state["runner"] = runner
            state["port"] = runner.addresses[0][1]

        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not ready.wait(60):
        raise RuntimeError("the marketplace did not start")
    try:
        yield f"http://127.0.0.1:{state['port']}/"
    finally:
        asyncio.run_coroutine_threadsafe(state["runner"].cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _crawl(site_file: Path, database: Path, data_dir: Path, *args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHANGPIN_")}
    env.update(SHANGPIN_DATABASE_URL=f"sqlite:///{database}", SHANGPIN_DATA_DIR=str(data_dir))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "shangpin", "crawl", str(site_file), "--json",
                           *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=3600)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"crawl failed ({proc.returncode}): {proc.stderr[-2000:]}")
    summary: dict[str, Any] = json.loads(proc.stdout)
    summary["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary["wall_s"] = wall
    return summary


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["listings_per_second"])
    return ordered[len(ordered) // 2]


def _machine() -> dict[str, Any]:
    import scrapy

    return {
        "platform": platform.platform(), "python": platform.python_version(),
        "cpus": os.cpu_count(), "scrapy": scrapy.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _markdown(f: dict[str, Any]) -> str:
    rows = [("fetch only (`--no-detect`), baseline", f["fetch"]),
            ("detection on, fresh database", f["detect"]),
            ("re-crawl, every image already known", f["known"])]
    out = [
        f"Sample marketplace: {f['products']} listings, {f['expected_alerts']} expected "
        f"alerts; median of {f['repeat']} round(s).",
        "",
        "| run | listings | elapsed s | listings/s | CPU s (crawl process) "
        "| images analysed / cached | new alerts |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        out.append(f"| {name} | {r['listings']} | {r['elapsed']:.1f} | "
                   f"{r['listings_per_second']:.2f} | {r['cpu_s']:.1f} | "
                   f"{r['images_analysed']} / {r['images_cached']} | {r['alerts_new']} |")
    detect, known, fetch = (f[k]["listings_per_second"] for k in ("detect", "known", "fetch"))
    out += [
        "",
        f"Re-crawl speed-up over the first crawl: {known / detect:.1f}×; "
        f"the first crawl runs at {100 * detect / fetch:.0f} % of the fetch-only rate.",
        "",
        "Machine: {platform}, Python {python}, Scrapy {scrapy}, {cpus} cores, load average "
        "{load_average} at the end.".format(**f["machine"]),
    ]
    return "\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
