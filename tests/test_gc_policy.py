"""The collector's schedule: young generations by themselves, the full collection on a timer."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from server import gc_policy

ROOT = Path(__file__).resolve().parents[1]


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def _old_cycle() -> weakref.ref[_Node]:
    """Cyclic garbage that reached the oldest generation while it was still in use."""
    node = _Node()
    gc.collect(1)  # it survives a middle collection: now in the oldest generation
    ref = weakref.ref(node)
    del node
    return ref


def _churn_until_a_full_collection_is_due() -> list[list[int]]:
    """Long-lived objects, half as many as the oldest generation holds: enough middle collections,
    and growth enough, for CPython to start a full collection by itself."""
    return [[i] for i in range(max(200_000, len(gc.get_objects(2)) // 2))]


@pytest.fixture
def collector_settings() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("collector_settings")
def test_the_automatic_collections_leave_the_oldest_generation_to_the_full_one() -> None:
    gc.set_threshold(700, 10, 10)  # CPython's own schedule frees an old cycle as the process grows
    control = _old_cycle()
    kept = _churn_until_a_full_collection_is_due()
    assert control() is None, "the churn did not bring a full collection on CPython's schedule"
    del kept

    gc_policy.young_only()
    old = _old_cycle()
    kept = _churn_until_a_full_collection_is_due()
    assert old() is not None  # no automatic full collection: no pause that grows with the open conversations
    del kept
    assert gc_policy.collect_full() >= 1
    assert old() is None


@pytest.mark.usefixtures("collector_settings")
async def test_the_full_collection_runs_on_its_timer() -> None:
    gc_policy.young_only()  # nothing else frees it meanwhile
    old = _old_cycle()
    collecting = asyncio.create_task(gc_policy.collect_periodically(0.05))
    try:
        for _ in range(100):
            if old() is None:
                break
            await asyncio.sleep(0.02)
        assert old() is None
    finally:
        collecting.cancel()


def test_the_server_collects_on_its_timer(tmp_path: Path) -> None:
    log = tmp_path / "stderr"
    env = {**os.environ, "HANDOFF_EMBEDDINGS": "false", "HANDOFF_GC_FULL_EVERY_S": "0.2"}
    command = [sys.executable, "-m", "server", "serve", "--port", "0", "--data-dir", str(tmp_path / "data")]
    with log.open("w") as stderr:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and log.read_text().count("full garbage collection") < 2:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.1)
        assert log.read_text().count("full garbage collection") >= 2, log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
