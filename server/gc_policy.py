"""The cyclic garbage collector, set for a server that holds thousands of live packages.

A collection walks every tracked object of the generations it collects, and stops the
event loop meanwhile. The live packages are long-lived and made of many small objects
(about 70 per open conversation: pydantic models, their dicts and field sets, lists),
so at 10,000 open conversations the oldest generation holds about a million objects,
and a full collection of it takes 1.2-1.5 s on a 2-core machine. CPython starts one
whenever the oldest generation has grown by a quarter since the last: under 500 turns/s,
every few seconds (measured: 18 full collections in a 30 s run, p50 330 ms, max 920 ms).
Raising the young threshold instead only moves the cost: 50,000 gives young collections
of 30-130 ms, and one middle collection of 0.8 s once the packages opened meanwhile
reach it.

Reference counting frees nearly everything this server makes; the cycles are gRPC's
own (five objects per call), and the young collections free them. So the youngest
generation keeps CPython's threshold and the automatic full collection is off. The middle
generation is collected every third young collection, not every tenth: its pause grows
with what it has gathered (the new turns and package items on their way to the oldest
generation), and a call that arrives meanwhile waits for it. At 10,000 open conversations
and 500 turns/s its pauses had p99 10-25 ms at 10 and <= 10 ms at 3, at the same 9 ms of
collecting per second; in six runs of each, alternated, the brief's p99 was 6.9-9.1 ms
against 8.4-11.6 ms, and AppendTurn's 21.6-36.6 against 22.3-24.9 ms (``bench/load.py``).

A full collection runs every ``full_every_s`` instead, on the event loop, logged and timed
in the ``handoff_gc_pause_seconds`` metric (generation 2). Until then, what
stays is cyclic garbage that lived long enough to reach the oldest generation: measured
at 100-500 objects per 30 s under 500 turns/s, gRPC calls in flight while a young
collection ran.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

logger = logging.getLogger(__name__)

YOUNG_THRESHOLDS = (700, 3)  # a young collection every 700 net allocations (CPython's), a middle one every 3 of those
NEVER = 1 << 30  # gen1 collections before an automatic full one: never, in practice


def settle_start_up() -> None:
    """What start-up built (modules, models, the taxonomy) lives as long as the process: out of
    every later collection."""
    gc.collect()
    gc.freeze()


def young_only() -> None:
    """Automatic collections of the young generations only; full ones are up to ``collect_full``."""
    gc.set_threshold(*YOUNG_THRESHOLDS, NEVER)


def collect_full() -> int:
    """One full collection, logged; returns the unreachable objects it found."""
    started = time.perf_counter()
    found = gc.collect()
    logger.info("full garbage collection: %d unreachable objects in %.0f ms", found,
                (time.perf_counter() - started) * 1000)
    return found


async def collect_periodically(every_s: float) -> None:
    """``collect_full`` every ``every_s`` on this event loop, until cancelled."""
    while True:
        await asyncio.sleep(every_s)
        collect_full()
