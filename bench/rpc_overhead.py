"""What the interceptors cost per call: calls/s and server CPU per call, beside bare gRPC.

    python bench/rpc_overhead.py [--rounds 7] [--seconds 2] [--concurrency 16] [--calls 20000] [--baseline REV]

Starts one grpc.aio server per stack, each in its own process on 127.0.0.1 port 0,
serving a ConversationService whose AppendTurn answers at once (the real protobuf
serialisers, no store): ``bare`` has no interceptors, ``noop`` one that hands the
handler back untouched (the floor for any interceptor), ``current`` the ones
``server.app.interceptors`` installs, and with --baseline ``REV`` the interceptors of
that git revision (its interceptors, auth, quotas and observability modules, loaded
next to today's; a revision from before the one call interceptor, d976467 or earlier).
API keys are configured and the rate limit is set too high to
bite, so every check runs. Each round drives every stack in a shuffled order, closed
loop, --concurrency calls in flight from this process for --seconds, and reads the
server's CPU time (user + system, all threads) from /proc/<pid>/stat. The machine may
be shared, so rounds interleave and the table shows medians with ratios against bare.

A second table isolates the Python work: in this process, each stack's interceptors
are chained as grpc.aio chains them and one call is resolved and run (decode, the
servicer, encode) --calls times with a stand-in context, timed by process_time, the
stacks interleaved over the same rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc import aio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server._proto.handoff.v1 import handoff_pb2 as pb  # noqa: E402
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc  # noqa: E402

KEY = "bench-key"
METADATA = (("authorization", f"Bearer {KEY}"),)
TICK_S = 1 / os.sysconf("SC_CLK_TCK")
# what a baseline revision's stack is made of; the rest of the server is today's
BASELINE = {"interceptors": "server/api/interceptors.py", "auth": "server/api/auth.py",
            "quotas": "server/api/quotas.py", "observability": "server/observability.py"}
REQUEST = pb.AppendTurnRequest(conversation_id="c-0001", request_id="r-0001", role=pb.CUSTOMER,
                               text="my order 4411 has not arrived and the tracking page says nothing " * 2)
RESPONSE = pb.AppendTurnResponse(turn=pb.Turn(turn_id=7, role=pb.CUSTOMER, text=REQUEST.text))


class Instant(pb_grpc.ConversationServiceServicer):
    async def AppendTurn(self, request: pb.AppendTurnRequest, context: aio.ServicerContext) -> pb.AppendTurnResponse:
        return RESPONSE


class PassThrough(aio.ServerInterceptor):
    """The floor: what having any interceptor at all costs."""

    async def intercept_service(self, continuation: Any, details: Any) -> Any:
        return await continuation(details)


def stack_interceptors(stack: str, baseline: str | None) -> list[aio.ServerInterceptor]:
    from server.config import Settings

    settings = Settings(api_keys=json.dumps({"bench": [KEY]}), rate_limit_per_s=1e9, embeddings=False)
    if stack == "bare":
        return []
    if stack == "noop":
        return [PassThrough()]
    if stack == "current":
        from server.app import interceptors

        return interceptors(settings, lambda error: None)
    from server.api.keys import ApiKeys

    errors, auth, quotas, observability = (_load(Path(baseline or ""), name) for name in BASELINE)
    tenants = auth.TenantInterceptor(ApiKeys.parse(settings.api_keys), quotas.RateLimiter(settings.rate_limit_per_s),
                                     quotas.StreamCap(settings.max_streams_per_tenant))
    return [errors.ErrorInterceptor(observability.observe_rpc, lambda error: None), tenants]


def _load(folder: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"baseline_{name}", folder / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # dataclasses look it up
    spec.loader.exec_module(module)
    return module


def serve(stack: str, baseline: str | None, ports: Any) -> None:
    async def run() -> None:
        server = aio.server(interceptors=stack_interceptors(stack, baseline))
        pb_grpc.add_ConversationServiceServicer_to_server(Instant(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        ports.put((stack, port))
        await server.wait_for_termination()

    asyncio.run(run())


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S  # utime, stime (fields 14 and 15)


async def drive(stub: Any, seconds: float, concurrency: int) -> int:
    done = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await stub.AppendTurn(REQUEST, metadata=METADATA, timeout=10)
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def measure(targets: dict[str, tuple[int, int]], args: argparse.Namespace) -> dict[str, list[tuple[float, float]]]:
    channels = {stack: aio.insecure_channel(f"127.0.0.1:{port}") for stack, (port, _) in targets.items()}
    stubs = {stack: pb_grpc.ConversationServiceStub(channel) for stack, channel in channels.items()}
    results: dict[str, list[tuple[float, float]]] = {stack: [] for stack in targets}
    try:
        for stack in targets:  # warm up: connections, first-call paths, prometheus children
            await drive(stubs[stack], 0.5, args.concurrency)
        for round_no in range(args.rounds):
            order = list(targets)
            random.shuffle(order)
            for stack in order:
                pid = targets[stack][1]
                cpu, started = cpu_seconds(pid), time.perf_counter()
                calls = await drive(stubs[stack], args.seconds, args.concurrency)
                elapsed, used = time.perf_counter() - started, cpu_seconds(pid) - cpu
                results[stack].append((calls / elapsed, used / calls * 1e6))
            print(f"round {round_no + 1}/{args.rounds}: "
                  + ", ".join(f"{s} {results[s][-1][0]:.0f}/s {results[s][-1][1]:.0f} us" for s in targets),
                  file=sys.stderr)
    finally:
        for channel in channels.values():
            await channel.close()
    return results


@dataclass(frozen=True)
class Details:
    method: str
    invocation_metadata: tuple[tuple[str, str], ...]


class StandInContext:
    """What the interceptors ask of a call's context."""

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return METADATA

    def code(self) -> None:
        return None


async def path_cost(stack: list[aio.ServerInterceptor], calls: int) -> float:
    """Microseconds of CPU to resolve and run one call through ``stack``, as grpc.aio would."""
    handler = grpc.unary_unary_rpc_method_handler(Instant().AppendTurn, pb.AppendTurnRequest.FromString,
                                                  pb.AppendTurnResponse.SerializeToString)

    async def resolve(chain: Any, details: Any) -> Any:  # grpc.aio's _run_interceptor
        interceptor = next(chain, None)
        if interceptor is None:
            return handler
        return await interceptor.intercept_service(functools.partial(resolve, chain), details)

    details = Details("/handoff.v1.ConversationService/AppendTurn", METADATA)
    raw, context = REQUEST.SerializeToString(), StandInContext()
    started = time.process_time()
    for _ in range(calls):
        found = await resolve(iter(stack), details) if stack else handler
        request = found.request_deserializer(raw) if found.request_deserializer else raw
        found.response_serializer(await found.unary_unary(request, context))
    return (time.process_time() - started) / calls * 1e6


def in_process(stacks: dict[str, str | None], args: argparse.Namespace) -> dict[str, list[tuple[float, float]]]:
    built = {stack: stack_interceptors(stack, folder) for stack, folder in stacks.items()}
    results: dict[str, list[tuple[float, float]]] = {stack: [] for stack in stacks}

    async def run() -> None:
        for stack in built:
            await path_cost(built[stack], args.calls // 10)
        for _ in range(args.rounds):
            order = list(built)
            random.shuffle(order)
            for stack in order:
                cost = await path_cost(built[stack], args.calls)
                results[stack].append((1e6 / cost, cost))

    asyncio.run(run())
    return results


def table(results: dict[str, list[tuple[float, float]]]) -> str:
    """Medians; ``+us/call`` is the median of each round's difference from bare in that round."""
    bare = results["bare"]
    bare_rate, bare_cpu = statistics.median(r for r, _ in bare), statistics.median(c for _, c in bare)
    lines = [f"{'stack':<10} {'calls/s':>9} {'x bare':>7} {'CPU us/call':>12} {'x bare':>7} {'+us/call':>9}"]
    for stack, rows in results.items():
        rate, cpu = statistics.median(r for r, _ in rows), statistics.median(c for _, c in rows)
        added = statistics.median(c - b for (_, c), (_, b) in zip(rows, bare, strict=True))
        lines.append(f"{stack:<10} {rate:>9.0f} {rate / bare_rate:>7.2f} {cpu:>12.1f} {cpu / bare_cpu:>7.2f} "
                     f"{added:>9.1f}")
    return "\n".join(lines)


def baseline_folder(rev: str, into: Path) -> Path:
    for name, path in BASELINE.items():
        text = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True,
                              text=True).stdout
        (into / f"{name}.py").write_text(text)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--calls", type=int, default=20000, help="calls per round in the in-process table")
    parser.add_argument("--baseline", metavar="REV", help="also measure the interceptors of this git revision")
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    with tempfile.TemporaryDirectory() as tmp:
        stacks: dict[str, str | None] = {"bare": None, "noop": None, "current": None}
        if args.baseline:
            stacks[args.baseline] = str(baseline_folder(args.baseline, Path(tmp)))
        processes = {stack: context.Process(target=serve, args=(stack, folder, ports), daemon=True)
                     for stack, folder in stacks.items()}
        try:
            for process in processes.values():
                process.start()
            found = dict(ports.get(timeout=60) for _ in processes)
            targets = {stack: (found[stack], processes[stack].pid or 0) for stack in stacks}
            results = asyncio.run(measure(targets, args))
        finally:
            for process in processes.values():
                process.terminate()
                process.join(10)
        alone = in_process(stacks, args)
    print(f"Real servers: AppendTurn answered at once, {args.concurrency} in flight, {args.rounds} rounds of "
          f"{args.seconds:g} s, medians (+us/call: of each round's difference from bare); CPU is user + system "
          "of the server process")
    print(table(results))
    print(f"\nIn process: one call resolved and run (decode, servicer, encode), {args.calls} calls a round, "
          f"{args.rounds} rounds, medians; calls/s is 1 / CPU per call")
    print(table(alone))


if __name__ == "__main__":
    main()
