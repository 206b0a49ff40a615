"""The background tasks (the dependency probe, housekeeping) stop when their runtime closes."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

from grpc_health.v1 import _async as health_async

from server.health import Dependency, Health
from tests.api.conftest import start_server, test_settings


async def test_the_probe_loop_stops_when_cancelled_as_a_probe_returns() -> None:
    # asyncio.wait_for on 3.11 returns the probe's result instead of raising a cancellation
    # that arrives in between; the loop then went on probing a store already closed
    probed = 0

    async def probe() -> None:
        nonlocal probed
        probed += 1
        asyncio.get_running_loop().call_soon(running.cancel)  # lands before the probe's result

    monitor = Health(health_async.HealthServicer(), {Dependency.STORE: probe}, interval_s=0.01)
    running = asyncio.create_task(monitor.run())
    done, _ = await asyncio.wait([running], timeout=2.0)
    assert done and running.cancelled()
    assert probed == 1


async def test_closing_a_runtime_waits_for_its_background_tasks(tmp_path: Path) -> None:
    running = await start_server(test_settings(tmp_path, health_interval_s=0.01))

    async def slow_to_stop() -> None:  # a task that still has a store call to finish when cancelled
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0.2)

    running.runtime.tasks.append(asyncio.create_task(slow_to_stop()))
    tasks = list(running.runtime.tasks)
    await asyncio.sleep(0.05)
    assert len(tasks) == 3 and not any(task.done() for task in tasks)  # the probe, housekeeping, that one
    await running.stop()
    assert all(task.done() for task in tasks)  # nothing uses the store after it closed


async def test_an_answer_that_came_in_time_counts_though_the_loop_sees_it_late() -> None:
    # a full collection or a synchronous call can hold the loop past the probe's deadline
    async def probe() -> None:
        await asyncio.get_running_loop().run_in_executor(None, time.sleep, 0.05)

    monitor = Health(health_async.HealthServicer(), {Dependency.STORE: probe}, interval_s=0.5)
    probing = asyncio.create_task(monitor.probe())
    await asyncio.sleep(0.01)  # the probe has asked
    time.sleep(0.8)  # the loop held past the 0.5 s deadline; the answer came after 0.05 s
    await probing
    assert monitor.up[Dependency.STORE]


async def test_a_probe_without_an_answer_marks_its_dependency_down() -> None:
    async def probe() -> None:
        await asyncio.Event().wait()

    monitor = Health(health_async.HealthServicer(), {Dependency.STORE: probe}, interval_s=0.5)
    await asyncio.wait_for(monitor.probe(), 5)
    assert not monitor.up[Dependency.STORE]


async def test_an_answer_abandoned_at_its_deadline_fails_quietly() -> None:
    # the probe's own error after the deadline was logged as "Task exception was never retrieved"
    async def probe() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            raise ConnectionError("the store dropped the connection as the ping was abandoned")

    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    before = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        monitor = Health(health_async.HealthServicer(), {Dependency.STORE: probe}, interval_s=0.5)
        await monitor.probe()
        assert not monitor.up[Dependency.STORE]
        gc.collect()  # a task with an unseen exception reports it when it is freed
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(before)
    assert reported == []
