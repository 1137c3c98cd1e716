"""Verifier under load, beside a bare handler in the same run.

    python bench/verifier/run.py [--certificates 100000] [--scans 1000000] [--duration 15]
                                 [--connections 64] [--threads 1] [--repeat 1] [--db PATH]
                                 [--rounds ...] [--profile DIR] [--json PATH]

Seeds (or reuses) a SQLite registry, copies it for the run, writes paths for at least
10,000 distinct real codes, then loads with Debian's wrk on loopback: the bare handler
(bench/verifier/bare_server.py: decode + Ed25519 verify, fixed JSON); the real service
(``shangpin serve``) on the API, the HTML page and the badge; the API again with
``--workers 2``; and the bare handler once more, since the machine's load drifts. Each
service round first requests every path once, then warms up, then measures. Prints a
markdown table and machine notes. The service runs with SHANGPIN_RATE_LIMIT=0: one
loopback client would otherwise be limited like one consumer. Every process started here
is stopped at the end, also on Ctrl-C or failure.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.verifier import seed as seeding  # noqa: E402

HERE = Path(__file__).resolve().parent
LUA = HERE / "paths.lua"
TARGET_RATIO, TARGET_P99_MS = 0.60, 25.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PY_SPY_RATE = 250


@dataclass(frozen=True)
class Round:
    name: str
    label: str
    server: str  # bare, service, service-w2
    paths: str  # api, page, badge


ROUNDS = [
    Round("bare", "bare handler: decode + Ed25519 verify, fixed JSON", "bare", "api"),
    Round("api", "service `GET /api/v1/verify/{code}`", "service", "api"),
    Round("page", "service `GET /V/{code}` (HTML page)", "service", "page"),
    Round("badge", "service `GET /badge/{number}.svg`", "service", "badge"),
    Round("api-w2", "service `--workers 2`, `GET /api/v1/verify/{code}`", "service-w2", "api"),
    # The bare handler again, last: the machine's load drifts during a run, so the
    # service is compared with the mean of the bare runs before and after it.
    Round("bare-end", "bare handler again, at the end", "bare", "api"),
]


@dataclass
class Result:
    round: Round
    requests_per_s: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: int = 0
    error_detail: dict[str, int] = field(default_factory=dict)
    server_cpu_ms_per_request: float = 0.0
    wrk_cpu_share: float = 0.0
    #: CPU (in cores) that neither the server nor wrk used: other load on the machine.
    other_cpu_share: float = 0.0
    runs: list[float] = field(default_factory=list)  # requests/s of each measured run
    sanity: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None


class Processes:
    """Every process started here, each in its own session so its whole group can be ended."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], env: dict[str, str] | None = None,
              log: Path | None = None) -> subprocess.Popen[bytes]:
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - child owns it
        try:
            proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            if log:
                out.close()  # type: ignore[union-attr]
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGTERM to the process group (forked workers included), SIGKILL after 15 s."""
        if proc.poll() is None or group_members(proc.pid):
            self._signal(proc, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                proc.poll()  # reap the leader so it does not count as a member
                if not group_members(proc.pid):
                    break
                time.sleep(0.1)
            else:
                self._signal(proc, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        if proc in self.running:
            self.running.remove(proc)

    @staticmethod
    def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)  # the group this process leads (start_new_session)

    def stop_all(self) -> None:
        for proc in list(reversed(self.running)):
            self.stop(proc)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"User-Agent": "bench/verifier"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_ready(proc: subprocess.Popen[bytes], port: int, log: Path, limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{tail(log)}")
        try:
            if get(port, "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready after {limit:.0f} s:\n{tail(log)}")


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _group_stats(pgid: int) -> list[list[str]]:
    """/proc/PID/stat fields (after the command name) of each process in a group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # state ppid pgrp ...; zombies done
            found.append(fields)
    return found


def group_members(pgid: int) -> int:
    return len(_group_stats(pgid))


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every live process in a process group."""
    return sum(int(f[11]) + int(f[12]) for f in _group_stats(pgid)) / CLOCK_TICKS  # utime, stime


def run_wrk(procs: Processes, port: int, paths: Path, seconds: float, connections: int,
            threads: int) -> dict[str, Any]:
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
            "--timeout", "10s", "-s", str(LUA), f"http://127.0.0.1:{port}", "--", str(paths)]
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        procs.running.append(proc)
        try:
            proc.wait(timeout=seconds + 60)
        finally:
            procs.stop(proc)
        out.seek(0)
        text = out.read().decode(errors="replace")
    for line in text.splitlines():
        if line.startswith("WRKJSON "):
            data: dict[str, Any] = json.loads(line[len("WRKJSON "):])
            data["text"] = text
            return data
    raise RuntimeError(f"wrk printed no summary:\n{text}")


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat)."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def measure(procs: Processes, pgid: int, port: int, paths: Path,
            args: argparse.Namespace, result: Result) -> None:
    """One measured run into ``result``."""
    cpu_before, busy_before = group_cpu_seconds(pgid), machine_busy_seconds()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    data = run_wrk(procs, port, paths, args.duration, args.connections, args.threads)
    server_cpu = group_cpu_seconds(pgid) - cpu_before
    busy = machine_busy_seconds() - busy_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    seconds = data["duration_us"] / 1e6
    result.requests_per_s = data["requests"] / seconds
    result.p50_ms, result.p90_ms = data["p50"] / 1000, data["p90"] / 1000
    result.p99_ms, result.max_ms = data["p99"] / 1000, data["max"] / 1000
    detail = {k: data[k] for k in ("status", "connect", "read", "write", "timeout") if data[k]}
    result.error_detail, result.errors = detail, sum(detail.values())
    result.server_cpu_ms_per_request = server_cpu * 1000 / max(1, data["requests"])
    result.wrk_cpu_share = wrk_cpu / seconds
    result.other_cpu_share = max(0.0, busy - server_cpu - wrk_cpu) / seconds


def load(procs: Processes, pgid: int, port: int, paths: Path, args: argparse.Namespace,
         result: Result) -> None:
    """Warm-up, then ``--repeat`` measured runs; ``result`` keeps the median by throughput."""
    run_wrk(procs, port, paths, args.warmup, args.connections, args.threads)
    runs = []
    for i in range(args.repeat):
        run = Result(result.round)
        spy = profiler(procs, pgid, args, result.round) if args.profile and i == 0 else None
        measure(procs, pgid, port, paths, args, run)
        if spy is not None:
            finish_profile(procs, spy, args.profile / f"{result.round.name}.folded",
                           args.duration)
        runs.append(run)
    runs.sort(key=lambda r: r.requests_per_s)
    median = runs[len(runs) // 2]
    for name in ("requests_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "errors",
                 "error_detail", "server_cpu_ms_per_request", "wrk_cpu_share",
                 "other_cpu_share"):
        setattr(result, name, getattr(median, name))
    # Errors anywhere count, not only in the median run.
    result.errors = sum(r.errors for r in runs)
    result.error_detail = dict(sum((Counter(r.error_detail) for r in runs), Counter()))
    result.runs = [round(r.requests_per_s) for r in runs]


def profiler(procs: Processes, pid: int, args: argparse.Namespace,
             rnd: Round) -> subprocess.Popen[bytes]:
    """py-spy sampling the server (and its workers) for the measured run."""
    args.profile.mkdir(parents=True, exist_ok=True)
    command = ["py-spy", "record", "--format", "raw", "--rate", str(PY_SPY_RATE), "--nonblocking",
               "--duration", str(max(1, int(args.duration))), "--pid", str(pid),
               "--output", str(args.profile / f"{rnd.name}.folded")]
    if rnd.server == "service-w2":
        command.append("--subprocesses")
    return procs.start(command, log=args.profile / f"{rnd.name}.py-spy.log")


def finish_profile(procs: Processes, spy: subprocess.Popen[bytes], folded: Path,
                   duration: float) -> None:
    from bench.verifier.hotspots import summarise

    with contextlib.suppress(subprocess.TimeoutExpired):
        spy.wait(timeout=30)
    procs.stop(spy)
    if folded.exists():
        summary = summarise(folded, top=25, rate=PY_SPY_RATE, seconds=duration)
        folded.with_suffix(".txt").write_text(summary + "\n", encoding="utf-8")
        print(summary, file=sys.stderr)
    else:
        print(f"py-spy wrote no profile; see {folded.with_suffix('.py-spy.log')}",
              file=sys.stderr)


def prime(port: int, paths: list[str], passes: int, connections: int = 16) -> float:
    """Request every path once per pass, so the service's caches hold what a long-running
    process would (certificate views, signature checks, unit scan counts); seconds taken."""
    from concurrent.futures import ThreadPoolExecutor

    def walk(share: list[str]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for path in share:
                try:
                    connection.request("GET", path, headers={"User-Agent": "bench/prime"})
                    connection.getresponse().read()
                except (OSError, http.client.HTTPException):
                    connection.close()  # reconnects on the next request
        finally:
            connection.close()

    started = time.perf_counter()
    for _ in range(passes):  # new connections each pass: workers get a share each time
        with ThreadPoolExecutor(connections) as pool:
            list(pool.map(walk, [paths[i::connections] for i in range(connections)]))
    return time.perf_counter() - started


def sanity(port: int, paths: list[str], kinds: list[str], sample: int = 200) -> dict[str, int]:
    """Status codes for a sample of paths (every kind represented), as 'kind HTTP' counts."""
    rng = random.Random(7)
    picked = rng.sample(range(len(paths)), min(sample, len(paths)))
    by_kind: dict[str, int] = {}
    for i, kind in enumerate(kinds):
        by_kind.setdefault(kind, i)
    seen: Counter[str] = Counter()
    for i in sorted(set(picked) | set(by_kind.values())):
        try:
            code, _ = get(port, paths[i])
        except OSError as exc:
            seen[f"{kinds[i]} {exc.__class__.__name__}"] += 1
            continue
        seen[f"{kinds[i]} {code}"] += 1
    return dict(sorted(seen.items()))


def write_paths(work: Path, manifest: seeding.Manifest, db: Path,
                count: int) -> dict[str, tuple[Path, list[str], list[str]]]:
    codes = manifest.codes
    api = [f"/api/v1/verify/{c.code}" for c in codes]
    page = [f"/V/{c.code}" for c in codes]
    kinds = [c.expected for c in codes]
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT number, state FROM certificates ORDER BY random() LIMIT ?", (count,)
        ).fetchall()
    badge = [f"/badge/{number}.svg" for number, _ in rows]
    out = {}
    for name, paths, labels in (("api", api, kinds), ("page", page, kinds),
                                ("badge", badge, [state for _, state in rows])):
        path = work / f"{name}.txt"
        path.write_text("\n".join(paths) + "\n", encoding="ascii")
        out[name] = (path, paths, labels)
    return out


def machine_notes() -> dict[str, str]:
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    import aiohttp
    import sqlalchemy

    with open("/proc/meminfo", encoding="utf-8") as handle:
        mem_kb = int(handle.readline().split()[1])
    return {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "memory": f"{mem_kb / 2**20:.0f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "wrk": wrk[0].split(" Copyright")[0].strip() if wrk else "unknown",
        "load average at the end": Path("/proc/loadavg").read_text().split()[0],
    }


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy (WAL included) through SQLite's backup API."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, \
            sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def service_env(db: Path, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHANGPIN_")}
    env.update({
        "SHANGPIN_DATABASE_URL": f"sqlite:///{db}",
        "SHANGPIN_DATA_DIR": str(data_dir),
        # Loopback load test: one client address sends everything, so the per-client
        # limit is lifted (0 disables it). Production keeps the default.
        "SHANGPIN_RATE_LIMIT": "0",
        "SHANGPIN_KEY_PASSPHRASE": seeding.PASSPHRASE,
        "SHANGPIN_VERIFY_HOST": seeding.HOST,
        "SHANGPIN_SCAN_HASH_KEY": secrets.token_hex(16),
    })
    return env


@dataclass(frozen=True)
class Reference:
    """The bare handler's figures the service is compared with (mean of its runs)."""

    requests_per_s: float
    cpu_ms_per_request: float

    @classmethod
    def of(cls, results: list[Result]) -> Reference | None:
        bare = [r for r in results if r.round.server == "bare" and not r.skipped]
        if not bare:
            return None
        return cls(sum(r.requests_per_s for r in bare) / len(bare),
                   sum(r.server_cpu_ms_per_request for r in bare) / len(bare))


def check(result: Result, bare: Reference | None) -> str:
    if result.skipped:
        return "—"
    marks = []
    if bare is not None and result.round.server != "bare":
        ratio = result.requests_per_s / bare.requests_per_s
        marks.append(("✔" if ratio >= TARGET_RATIO else "✘") + " ≥60 %")
    marks.append(("✔" if result.p99_ms <= TARGET_P99_MS else "✘") + " p99")
    marks.append(("✔" if result.errors == 0 else "✘") + " errors")
    return ", ".join(marks)


def table(results: list[Result]) -> str:
    bare = Reference.of(results)
    lines = ["| run | requests/s | p50 ms | p99 ms | errors | vs bare | server CPU µs/req "
             "| vs bare by CPU | other load | targets |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        if r.skipped:
            lines.append(f"| {r.round.label} | — | — | — | — | — | — | — | — | {r.skipped} |")
            continue
        ratio = cpu_ratio = "—"
        if bare and r.round.server != "bare":
            ratio = f"{r.requests_per_s / bare.requests_per_s:.0%}"
            cpu_ratio = f"{bare.cpu_ms_per_request / r.server_cpu_ms_per_request:.0%}"
        errors = str(r.errors) + (f" ({', '.join(f'{k} {v}' for k, v in r.error_detail.items())})"
                                  if r.error_detail else "")
        lines.append(f"| {r.round.label} | {r.requests_per_s:,.0f} | {r.p50_ms:.1f} | "
                     f"{r.p99_ms:.1f} | {errors} | {ratio} | "
                     f"{r.server_cpu_ms_per_request * 1000:.0f} | {cpu_ratio} | "
                     f"{r.other_cpu_share:.2f} | {check(r, bare)} |")
    if bare:
        lines.append("")
        lines.append(f"\"vs bare\" compares with the mean of the bare runs: "
                     f"{bare.requests_per_s:,.0f} requests/s, "
                     f"{bare.cpu_ms_per_request * 1000:.0f} µs of server CPU a request.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=1_000_000)
    parser.add_argument("--codes", type=int, default=12_000,
                        help="distinct codes to load with (at least 10,000 for the figures)")
    parser.add_argument("--duration", type=float, default=15, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=5, help="warm-up seconds per run")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measured runs per round; the median by throughput is reported")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1,
                        help="wrk threads (the machine has few cores; wrk's CPU is the "
                             "server's loss)")
    parser.add_argument("--db", type=Path, default=ROOT / "var" / "bench" / "verifier.db")
    parser.add_argument("--rounds", default=",".join(r.name for r in ROUNDS),
                        help="comma-separated subset of: " + ", ".join(r.name for r in ROUNDS))
    parser.add_argument("--no-prime", action="store_true",
                        help="skip requesting every path once before the warm-up (then the "
                             "service's per-certificate cache is partly cold)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="record each round's first measured run with py-spy into DIR "
                             "(figures taken while profiling are slightly lower)")
    parser.add_argument("--keep-logs", action="store_true", help="keep server logs")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    wanted = [r for r in ROUNDS if r.name in set(args.rounds.split(","))]
    db = args.db.resolve()

    # Stop cleanly on Ctrl-C (even if started with SIGINT ignored), SIGTERM and SIGHUP.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    procs = Processes()
    work = Path(tempfile.mkdtemp(prefix="bench-verifier-"))
    results: list[Result] = []
    try:
        started = time.perf_counter()
        manifest, reused = seeding.ensure(db, args.certificates, args.scans, args.codes,
                                          log=lambda m: print(m, file=sys.stderr))
        seeded = time.perf_counter() - started
        print(f"database: {db} ({db.stat().st_size / 2**20:,.0f} MiB), "
              + ("reused" if reused else f"seeded in {seeded:.0f} s "
                 f"({', '.join(f'{k} {v} s' for k, v in manifest.seconds.items())})"),
              file=sys.stderr)
        # The service logs every scan it answers; it writes to a copy, so each run starts
        # from the seeded database exactly and the seeded one is reused unchanged.
        run_db = work / "verifier.db"
        copy_database(db, run_db)
        paths = write_paths(work, manifest, run_db, max(args.codes, 10_000))
        mix = Counter(c.kind for c in manifest.codes)
        print(f"codes: {len(manifest.codes):,} distinct ({dict(mix)}); "
              f"badges: {len(paths['badge'][1]):,} certificates", file=sys.stderr)
        servers: dict[str, tuple[subprocess.Popen[bytes], int, Path]] = {}
        for rnd in wanted:
            result = Result(rnd)
            results.append(result)
            if rnd.server not in servers:
                for name in list(servers):  # one server at a time: they share two cores
                    procs.stop(servers.pop(name)[0])
                servers[rnd.server] = start_server(procs, rnd.server, manifest, run_db,
                                                   work)
            proc, port, log = servers[rnd.server]
            path_file, path_list, kinds = paths[rnd.paths]
            result.sanity = sanity(port, path_list, kinds)
            print(f"[{rnd.name}] sample answers: {result.sanity}", file=sys.stderr)
            answered = sum(n for k, n in result.sanity.items() if k.split()[-1][:1] in "23")
            if answered == 0:
                result.skipped = "no 2xx answer in the sample (route missing?)"
                print(f"[{rnd.name}] skipped: {result.skipped}", file=sys.stderr)
                continue
            if rnd.server != "bare" and not args.no_prime:
                passes = 2 if rnd.server == "service-w2" else 1
                seconds = prime(port, path_list, passes)
                print(f"[{rnd.name}] primed: {len(path_list):,} paths x {passes} in "
                      f"{seconds:.0f} s", file=sys.stderr)
            load(procs, proc.pid, port, path_file, args, result)
            print(f"[{rnd.name}] {result.requests_per_s:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                  f"p99 {result.p99_ms:.1f} ms, errors {result.errors}, "
                  f"wrk CPU {result.wrk_cpu_share:.0%} of a core, other load "
                  f"{result.other_cpu_share:.2f} cores, runs {result.runs}", file=sys.stderr)
        procs.stop_all()
        notes = machine_notes()
        print()
        print(table(results))
        print()
        measured = [r for r in results if not r.skipped]
        wrk_share = max((r.wrk_cpu_share for r in measured), default=0)
        other = max((r.other_cpu_share for r in measured), default=0)
        primed = "" if args.no_prime else "every path requested once, then "
        print(f"Load: wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency "
              f"({primed}a {args.warmup:g} s warm-up), loopback, random paths over "
              f"{len(manifest.codes):,} distinct codes; median of {args.repeat} measured run(s); "
              f"wrk used up to {wrk_share:.0%} of a core, other processes up to {other:.2f} "
              f"cores (\"other load\": CPU used by neither the server nor wrk, in cores). "
              f"Service run with SHANGPIN_RATE_LIMIT=0 (loopback load test raises the limit).")
        print(f"Database: SQLite, {manifest.certificates:,} certificates, "
              f"{manifest.scans:,} scan records at the start (each run works on a copy; "
              f"the service adds the scans it logs).")
        print("Machine: " + ", ".join(f"{k} {v}" for k, v in notes.items()))
        if args.json:
            args.json.write_text(json.dumps({
                "machine": notes,
                "settings": {k: str(v) for k, v in vars(args).items()},
                "results": [{**{k: v for k, v in vars(r).items() if k != "round"},
                             "round": r.round.name, "label": r.round.label} for r in results],
            }, ensure_ascii=False, indent=2), encoding="utf-8")
    finally:
        procs.stop_all()
        if args.keep_logs:
            print(f"logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def start_server(procs: Processes, kind: str, manifest: seeding.Manifest, db: Path,
                 work: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    log = work / f"{kind}.log"
    if kind == "bare":
        args = [sys.executable, str(HERE / "bare_server.py"), "--port", str(port),
                "--key", f"{manifest.kid}:{manifest.public_key}"]
        env = None
    else:
        workers = "2" if kind == "service-w2" else "1"
        args = [sys.executable, "-m", "shangpin", "serve", "--port", str(port),
                "--workers", workers]
        data_dir = work / "data"
        data_dir.mkdir(exist_ok=True)
        env = service_env(db, data_dir)
    proc = procs.start(args, env, log)
    wait_ready(proc, port, log)
    return proc, port, log


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit("interrupted; every process this run started has been stopped") from None
