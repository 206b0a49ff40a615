"""The SQLite store's append on a busy event loop: committed at once, against through the committer.

    python bench/append_latency.py [--seconds 8] [--rate 500] [--busy 0.6] [--rounds 3]

Appends arrive at up to --rate a second (Poisson; the sleeps between them make it
fewer, and the figure printed is what arrived) on a loop kept --busy of the time by
other callbacks of 0.1-0.6 ms, as calls and analysis keep the server's. Each round
times every append from the call to its answer both ways, alternated in one process:
"committer" sends every append through the group committer's task (one loop
iteration to start it, one more to wake the caller), "at once" is the store as it
is (the first append of an iteration commits in the caller's step). Prints p50,
p90 and p99 in ms, and their medians over the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.context.model import Role  # noqa: E402
from server.context.records import ConversationRecord, NewTurn  # noqa: E402
from server.context.sqlite_store import SQLiteStore  # noqa: E402

CONVERSATIONS = 500


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def _keep_busy(stop: asyncio.Event, share: float) -> None:
    """Callbacks of 0.1-0.6 ms (0.35 on average), a few at a time, about ``share`` of the loop's time."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        n = random.randint(1, 6)
        for _ in range(n):
            loop.call_soon(_spin, random.uniform(0.1e-3, 0.6e-3))
        await asyncio.sleep(n * 0.35e-3 / share * random.uniform(0.5, 1.5))


async def one_run(through_committer: bool, seconds: float, rate: float, share: float) -> list[float]:
    """Each append's seconds from the call to its answer."""
    with tempfile.TemporaryDirectory() as directory:
        store = SQLiteStore(Path(directory) / "context.sqlite3")
        if through_committer:  # no append is ever the first of its iteration
            store._first_this_iteration = False
            store._next_iteration = lambda: None  # type: ignore[method-assign]
        cids = [f"c{i}" for i in range(CONVERSATIONS)]
        for cid in cids:
            await store.create_conversation(ConversationRecord(conversation_id=cid))
        latencies: list[float] = []

        async def append(i: int) -> None:
            started = time.perf_counter()
            turn = NewTurn(request_id=f"r{i}", role=Role.CUSTOMER, text="my order has still not arrived")
            await store.append_turn(cids[i % CONVERSATIONS], turn, 100_000)
            latencies.append(time.perf_counter() - started)

        stop = asyncio.Event()
        busy = asyncio.create_task(_keep_busy(stop, share))
        calls, end = [], time.perf_counter() + seconds
        while time.perf_counter() < end:
            calls.append(asyncio.create_task(append(len(calls))))
            await asyncio.sleep(random.expovariate(rate))
        await asyncio.gather(*calls)
        stop.set()
        await busy
        await store.close()
    return latencies


def quantiles_ms(latencies: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    at = lambda q: 1000 * ordered[int(q * (len(ordered) - 1))]  # noqa: E731
    return at(0.5), at(0.9), at(0.99)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rate", type=float, default=500, help="appends per second offered")
    parser.add_argument("--busy", type=float, default=0.6, help="share of the loop's time other callbacks take")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    random.seed(1)
    figures: dict[str, list[tuple[float, float, float]]] = {"committer": [], "at once": []}
    for _ in range(args.rounds):
        for name in figures:
            latencies = await one_run(name == "committer", args.seconds, args.rate, args.busy)
            figures[name].append(quantiles_ms(latencies))
            p50, p90, p99 = figures[name][-1]
            print(f"{name:9s} {len(latencies)} appends ({len(latencies) / args.seconds:.0f}/s): p50 {p50:.2f}, p90 {p90:.2f}, p99 {p99:.2f} ms", flush=True)
    for name, runs in figures.items():
        p50, p90, p99 = (statistics.median(r[i] for r in runs) for i in range(3))
        print(f"median of {args.rounds}, {name}: p50 {p50:.2f}, p90 {p90:.2f}, p99 {p99:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
