"""Summarise a py-spy profile (``--format raw``, folded stacks) as the hottest code.

    python bench/verifier/hotspots.py PROFILE.folded [--top 20] [--rate 250] [--seconds 15]

Samples are split into the event-loop thread and the executor threads (database work
run off the loop), idle waits dropped. For each part it lists the functions that were
running (self, library code included) and the deepest project function on the stack
(``verifier/``, ``issuer/``, ``storage/``): which of our code a sample is spent for.
With ``--rate`` and ``--seconds`` each part is also given as busy share of one core.
py-spy samples a thread whenever it is not sleeping, so on a contended machine the
shares include time spent waiting for a CPU.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

PROJECT = ("verifier/", "issuer/", "storage/", "shangpin/", "bench/")
#: Leaf frames that are waits, not work.
IDLE = ("concurrent/futures/thread.py:81)", "(selectors.py:468)", "(threading.py:327)",
        "(threading.py:331)", "(queue.py:171)", "(queue.py:180)")


def _function(frame: str, keep_line: bool = False) -> str:
    """'verify (verifier/scanning.py:91)' -> 'verifier/scanning.py verify'."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    if not keep_line:
        where = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{where} {name}".strip()


def _owner(frames: list[str]) -> str:
    """The deepest project frame, with its line: the code this sample is spent for."""
    for frame in reversed(frames):
        where = frame.partition(" (")[2]
        if where.startswith(PROJECT):
            return _function(frame, keep_line=True)
    return "(no project frame) " + _function(frames[-1])


def summarise(path: Path, top: int = 20, rate: float = 0, seconds: float = 0) -> str:
    parts: dict[str, tuple[Counter[str], Counter[str]]] = {
        "event loop": (Counter(), Counter()), "executor threads": (Counter(), Counter())}
    totals: Counter[str] = Counter()
    idle = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        if frames[-1].endswith(IDLE):
            idle += count
            continue
        part = "executor threads" if frames[0].startswith("Thread._bootstrap") else "event loop"
        own, owners = parts[part]
        totals[part] += count
        own[_function(frames[-1])] += count
        owners[_owner(frames)] += count
    lines = [f"{path.name}: {sum(totals.values())} busy samples ({idle} idle dropped)"]
    for part, (own, owners) in parts.items():
        total = totals[part]
        if not total:
            continue
        busy = f", ~{total / rate / seconds:.0%} of a core" if rate and seconds else ""
        lines += ["", f"## {part}: {total} samples{busy}", "",
                  "share  spent for (deepest project frame)"]
        lines += [f"{n / total:6.1%}  {name}" for name, n in owners.most_common(top)]
        lines += ["", "share  running (self)"]
        lines += [f"{n / total:6.1%}  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--rate", type=float, default=0, help="py-spy samples per second")
    parser.add_argument("--seconds", type=float, default=0, help="seconds recorded")
    args = parser.parse_args()
    print(summarise(args.profile, args.top, args.rate, args.seconds))


if __name__ == "__main__":
    main()
