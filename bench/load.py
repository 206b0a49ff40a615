"""Load: N open conversations, turns at a fixed rate, against one or more replicas, beside bare gRPC.

    python bench/load.py [--conversations 2000] [--rate 500] [--seconds 20] [--clients 4] [--procs 1]
                         [--streams 0] [--targets HOST:PORT ...] [--spread]

Without --targets it starts one server (`python -m server serve --port 0`, embedded
defaults, a fresh data folder) and reads its RSS before and after opening the
conversations: memory per open conversation. With --targets it drives running
replicas: conversations round-robin over them (sticky, as a balancer with affinity
would), or with --spread every call goes to the next replica.

Opening a conversation is CreateConversation plus a first customer turn. Then turns
go out open-loop at --rate in total (each has a scheduled send time and its latency
is measured from that time, so a server that falls behind shows it); every 50th turn
also asks for the package reflecting it (GetContextPackage with min_turn_id and
wait_ms=2000: its latency is the analysis lag), every 200th asks for the handoff
brief. With --streams K the turns go instead over K StreamTurns calls per channel, each
carrying a fixed share of the conversations (a platform's connector holding a few long-lived
streams): each ack is timed from the turn's scheduled send, and the context update the server
pushes on the stream from that ack ("StreamTurns update lag"). The traffic comes from --procs
client processes holding --clients grpc.aio channels between them; each reports how late it issued its sends, so a client that
cannot keep the rate is visible rather than blamed on the server.

In the same run a bare grpc.aio echo service (no proto, bytes in and out) in its own
process is driven by the same client code at the same rate with payloads the size of
an average AppendTurnRequest, then closed-loop for its highest rate, so the server's
figures read as a share of what gRPC itself does on this machine. Everything is on
127.0.0.1, every phase is bounded in time, and the processes it started are stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

import grpc
from grpc import aio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server._proto.handoff.v1 import handoff_pb2 as pb  # noqa: E402
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc  # noqa: E402

ECHO = "/bench.Echo/Echo"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LAG_EVERY = 50  # every 50th turn, a GetContextPackage waits for its analysis
# every 50th turn, a Handoff on its conversation: 10 briefs/s at 500 turns/s, 600 in a minute, so
# their p99 is not the second-slowest of a few (it was 1 in 200 before 2026-12-04 evening: 150)
HANDOFF_EVERY = 50
LAG_WAIT_MS = 2000
CALL_TIMEOUT_S = 10.0
START_TIMEOUT_S = 180.0
DRAIN_S = 15.0
WINDOW_GRACE_S = 0.5  # a reply this soon after the window still counts as sustained
WARM_UP = 100  # conversations opened and driven before the memory baseline
CHANNEL_OPTIONS = [("grpc.use_local_subchannel_pool", 1)]  # one TCP connection per channel, not one shared
TARGETS = {"conversations": 10_000, "turns/s": 500, "append p99 ms": 50, "lag p99 ms": 200,
           "KB per conversation": 50, "brief p99 ms": 10}

# ------------------------------------------------------------------ texts


CUSTOMER = [
    "Hi, my order {order} hasn't arrived yet and it was due on {day}.",
    "My email is {name}{n}@example.com if you need it.",
    "This is the second time I'm asking about order {order}!",
    "Can you tell me when it will be delivered? I need it by {day}.",
    "The tracking number is 1Z{n:06d}AA and it hasn't moved in {days} days.",
    "I was charged twice for order {order}, ${amount} each time.",
    "The {item} arrived broken, the box was crushed.",
    "Honestly this is ridiculous, nobody has answered my emails.",
    "I want a refund, not another voucher.",
    "ok thanks",
]
BOT = [
    "I'm sorry about that. Let me check order {order} for you.",
    "Your order shipped on {day} and is in transit.",
    "I've asked the carrier for an update; you'll hear from us within {days} days.",
    "I can see a charge of ${amount} on {day}. Could you confirm the last four digits of the card?",
    "I've sent a return label to {name}{n}@example.com.",
    "Is there anything else I can help you with?",
]
NAMES = ["maria", "j.smith", "kwame", "li.wei", "anna_k", "omar"]
DAYS = ["Monday", "Tuesday", "Friday", "the 12th", "last week"]
ITEMS = ["kettle", "phone case", "desk lamp", "blender", "jacket"]


def turn_text(rng: random.Random, role: int) -> str:
    template = rng.choice(CUSTOMER if role == pb.CUSTOMER else BOT)
    return template.format(order=rng.randint(10_000, 99_999), n=rng.randint(1, 999_999), name=rng.choice(NAMES),
                           day=rng.choice(DAYS), days=rng.randint(2, 9), amount=f"{rng.randint(5, 400)}.{rng.randint(0, 99):02d}",
                           item=rng.choice(ITEMS))


def mean_request_bytes(samples: int = 2000) -> int:
    rng = random.Random(1)
    total = sum(pb.AppendTurnRequest(conversation_id=f"load-{i}", request_id=f"t{i % 9}", role=pb.BOT,
                                     text=turn_text(rng, pb.CUSTOMER if i % 2 else pb.BOT)).ByteSize()
                for i in range(samples))
    return round(total / samples)


# ------------------------------------------------------------------ measurements


@dataclass
class Recorder:
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    send_late: list[float] = field(default_factory=list)
    sent: int = 0
    elapsed: float = 0.0
    window_end: float = float("inf")  # answers after this are not counted as sustained
    in_window: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed_after: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    closing: bool = False  # set before the channels close: what is cancelled then was never answered
    cpu_s: float = field(default_factory=time.process_time)

    async def time(self, name: str, since: float, call: Awaitable[Any]) -> Any:
        try:
            result = await call
        except aio.AioRpcError as e:
            code = e.code().name
            self.errors[name]["unanswered at the end" if self.closing and code == "CANCELLED" else code] += 1
            self.failed_after[name].append(time.perf_counter() - since)
            return None
        now = time.perf_counter()
        self.latency[name].append(now - since)
        if now <= self.window_end:
            self.in_window[name] += 1
        return result

    def plain(self) -> dict[str, Any]:
        self.closing = True
        return {"latency": dict(self.latency), "errors": {k: dict(v) for k, v in self.errors.items()},
                "send_late": self.send_late, "sent": self.sent, "elapsed": self.elapsed,
                "in_window": dict(self.in_window), "cpu_s": time.process_time() - self.cpu_s,
                "failed_after": dict(self.failed_after)}


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {"latency": defaultdict(list), "errors": defaultdict(lambda: defaultdict(int)),
                              "send_late": [], "sent": 0, "elapsed": 0.0, "in_window": defaultdict(int), "cpu_s": 0.0,
                              "failed_after": defaultdict(list)}
    for part in parts:
        for name, values in part["latency"].items():
            merged["latency"][name].extend(values)
        for name, codes in part["errors"].items():
            for code, count in codes.items():
                merged["errors"][name][code] += count
        merged["send_late"].extend(part["send_late"])
        for name, count in part["in_window"].items():
            merged["in_window"][name] += count
        merged["cpu_s"] += part["cpu_s"]
        for name, values in part["failed_after"].items():
            merged["failed_after"][name].extend(values)
        merged["sent"] += part["sent"]
        merged["elapsed"] = max(merged["elapsed"], part["elapsed"])
    return merged


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# ------------------------------------------------------------------ client side (runs in the client processes)


def channels_for(targets: list[str], count: int) -> list[list[aio.Channel]]:
    """`count` channels to each target, each on its own connection."""
    return [[aio.insecure_channel(t, options=CHANNEL_OPTIONS) for _ in range(max(1, count))] for t in targets]


async def close_all(channels: list[list[aio.Channel]]) -> None:
    await asyncio.gather(*(c.close() for per_target in channels for c in per_target))


async def open_shard(targets: list[str], ids: list[tuple[int, str]], clients: int, concurrency: int = 64) -> dict[str, Any]:
    channels = channels_for(targets, clients)
    recorder, gate, rng = Recorder(), asyncio.Semaphore(concurrency), random.Random(ids[0][0] if ids else 0)
    started = time.perf_counter()

    async def one(index: int, cid: str) -> None:
        per_target = channels[index % len(targets)]
        stub = pb_grpc.ConversationServiceStub(per_target[(index // len(targets)) % len(per_target)])
        async with gate:
            now = time.perf_counter()
            made = await recorder.time("CreateConversation", now, stub.CreateConversation(
                pb.CreateConversationRequest(conversation_id=cid, customer_id=f"cust-{index}", channel="chat"),
                timeout=CALL_TIMEOUT_S))
            if made is not None:
                await recorder.time("open: first turn", time.perf_counter(), stub.AppendTurn(pb.AppendTurnRequest(
                    conversation_id=cid, request_id="t0", role=pb.CUSTOMER, text=turn_text(rng, pb.CUSTOMER)),
                    timeout=CALL_TIMEOUT_S))

    await asyncio.gather(*(one(i, cid) for i, cid in ids))
    recorder.elapsed = time.perf_counter() - started
    return await finish(recorder, channels)


async def open_loop(recorder: Recorder, rate: float, seconds: float, start_at: float,
                    send: Callable[[int, float], Awaitable[None]]) -> None:
    """Call send(n, scheduled_time) at `rate` per second for `seconds`, not waiting for replies."""
    if rate <= 0:
        return
    start = time.perf_counter() + max(0.0, start_at - time.time())
    recorder.window_end = start + seconds + WINDOW_GRACE_S
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    recorder.cpu_s = time.process_time()
    pending: set[asyncio.Task[None]] = set()
    total = int(rate * seconds)
    for n in range(total):
        due = start + n / rate
        now = time.perf_counter()
        if due > now:
            await asyncio.sleep(due - now)
        recorder.send_late.append(time.perf_counter() - due)
        task = asyncio.create_task(send(n, due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    recorder.sent = total
    if pending:
        await asyncio.wait(pending, timeout=DRAIN_S)
    recorder.elapsed = time.perf_counter() - start


class TurnStream:
    """One StreamTurns call carrying the turns of many conversations, as a platform's connector would hold.

    Turns are written in order and the server acknowledges a stream's turns in the order sent, so
    each ack answers the oldest turn still waiting. The context updates the server pushes for the
    conversations on the stream are timed from the ack of the turn they first reflect (negative
    when the update came first).
    """

    def __init__(self, stub: pb_grpc.ConversationServiceStub, recorder: Recorder) -> None:
        self.call = stub.StreamTurns()
        self.recorder = recorder
        self.outbox: asyncio.Queue[tuple[pb.AppendTurnRequest, asyncio.Future[Any]]] = asyncio.Queue()
        self.waiting: deque[tuple[asyncio.Future[Any], str]] = deque()
        self.acked: dict[str, list[tuple[int, float]]] = defaultdict(list)  # turns not yet reflected by an update
        self.reflected: dict[str, tuple[int, float]] = {}  # per conversation: the last update's turn and arrival
        self.tasks = [asyncio.create_task(self._write()), asyncio.create_task(self._read())]

    async def append(self, request: pb.AppendTurnRequest) -> Any:
        future = asyncio.get_running_loop().create_future()
        self.outbox.put_nowait((request, future))
        try:
            return await asyncio.wait_for(future, CALL_TIMEOUT_S)
        except TimeoutError:
            raise aio.AioRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, aio.Metadata(), aio.Metadata(),
                                  f"no ack in {CALL_TIMEOUT_S:g} s") from None

    async def _write(self) -> None:
        while True:
            request, future = await self.outbox.get()
            self.waiting.append((future, request.conversation_id))
            await self.call.write(pb.StreamTurnsRequest(append=request))

    async def _read(self) -> None:
        error: BaseException
        try:
            async for response in self.call:
                now = time.perf_counter()
                if response.HasField("ack"):
                    future, cid = self.waiting.popleft()
                    if not future.done():  # not given up on
                        future.set_result(response.ack)
                    turn_id, arrived = self.reflected.get(cid, (0, now))
                    if response.ack.turn.turn_id <= turn_id:  # its update came first: a negative lag
                        self.recorder.latency["StreamTurns update lag"].append(arrived - now)
                    else:
                        self.acked[cid].append((response.ack.turn.turn_id, now))
                    continue
                update, reflected = response.update, []
                self.reflected[update.conversation_id] = (update.analyzed_through_turn, now)
                for turn_id, at in self.acked.pop(update.conversation_id, []):
                    if turn_id <= update.analyzed_through_turn:
                        reflected.append(now - at)
                    else:
                        self.acked[update.conversation_id].append((turn_id, at))
                self.recorder.latency["StreamTurns update lag"].extend(reflected)
            error = aio.AioRpcError(grpc.StatusCode.UNKNOWN, aio.Metadata(), aio.Metadata(), "the stream ended early")
        except aio.AioRpcError as e:
            error = e
        while self.waiting:
            future, _ = self.waiting.popleft()
            if not future.done():
                future.set_exception(error)

    def close(self) -> None:
        for task in self.tasks:
            task.cancel()


async def drive_shard(targets: list[str], ids: list[tuple[int, str]], rate: float, seconds: float, start_at: float,
                      clients: int, spread: bool, seed: int, streams: int = 0,
                      handoff_every: int = HANDOFF_EVERY) -> dict[str, Any]:
    channels = channels_for(targets, clients)
    conv = [[pb_grpc.ConversationServiceStub(c) for c in per_target] for per_target in channels]
    hand = [[pb_grpc.HandoffServiceStub(c) for c in per_target] for per_target in channels]
    recorder, rng = Recorder(), random.Random(seed)
    next_turn: dict[str, int] = defaultdict(lambda: 1)
    turn_streams = [[[TurnStream(stub, recorder) for _ in range(streams)] for stub in per_target]
                    for per_target in conv]

    async def send(n: int, due: float) -> None:
        index, cid = rng.choice(ids)
        turn = next_turn[cid]
        next_turn[cid] += 1
        t = n % len(targets) if spread else index % len(targets)
        c = (index // len(targets)) % len(conv[t])
        role = pb.CUSTOMER if turn % 2 == 0 else pb.BOT
        request = pb.AppendTurnRequest(conversation_id=cid, request_id=f"t{turn}", role=role, text=turn_text(rng, role))
        if streams:
            on = turn_streams[t][c][(index // len(targets) // len(conv[t])) % streams]
            ack = await recorder.time("StreamTurns ack", due, on.append(request))
        else:
            ack = await recorder.time("AppendTurn", due, conv[t][c].AppendTurn(request, timeout=CALL_TIMEOUT_S))
        if ack is None:
            return
        if n % LAG_EVERY == 0:
            asked = time.perf_counter()
            package = await recorder.time("GetContextPackage-lag", asked, conv[t][c].GetContextPackage(
                pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=ack.turn.turn_id, wait_ms=LAG_WAIT_MS,
                                            omit_transcript=True), timeout=CALL_TIMEOUT_S))
            if package is not None and package.analyzed_through_turn < ack.turn.turn_id:
                recorder.errors["GetContextPackage-lag"][f"not reflected in {LAG_WAIT_MS} ms"] += 1
        if n % handoff_every == 0:
            h = (n // handoff_every) % len(targets) if spread else t
            await recorder.time("Handoff", time.perf_counter(), hand[h][c].Handoff(
                pb.HandoffRequest(conversation_id=cid), timeout=CALL_TIMEOUT_S))

    await open_loop(recorder, rate, seconds, start_at, send)
    for per_target in turn_streams:
        for per_channel in per_target:
            for stream in per_channel:
                stream.close()
    return await finish(recorder, channels)


async def echo_shard(target: str, rate: float, seconds: float, start_at: float, clients: int, size: int) -> dict[str, Any]:
    channels = channels_for([target], clients)[0]
    calls = [c.unary_unary(ECHO) for c in channels]
    recorder, payload = Recorder(), b"x" * size

    async def send(n: int, due: float) -> None:
        await recorder.time("echo-baseline", due, calls[n % len(calls)](payload, timeout=CALL_TIMEOUT_S))

    await open_loop(recorder, rate, seconds, start_at, send)
    return await finish(recorder, [channels])


async def echo_max_shard(target: str, seconds: float, start_at: float, clients: int, size: int,
                         in_flight: int) -> dict[str, Any]:
    channels = channels_for([target], clients)[0]
    calls = [c.unary_unary(ECHO) for c in channels]
    recorder, payload = Recorder(), b"x" * size
    await asyncio.sleep(max(0.0, start_at - time.time()))
    start = time.perf_counter()
    end = start + seconds

    async def worker(k: int) -> None:
        while time.perf_counter() < end:
            await recorder.time("echo-max (closed loop)", time.perf_counter(),
                                calls[k % len(calls)](payload, timeout=CALL_TIMEOUT_S))

    await asyncio.gather(*(worker(k) for k in range(in_flight)))
    recorder.elapsed = time.perf_counter() - start
    recorder.sent = len(recorder.latency["echo-max (closed loop)"])
    return await finish(recorder, [channels])


async def finish(recorder: Recorder, channels: list[list[aio.Channel]]) -> dict[str, Any]:
    recorder.closing = True
    await close_all(channels)
    await asyncio.sleep(0.1)  # let the calls cancelled by the close record themselves
    return recorder.plain()


def run_job(job: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    kind, kwargs = job
    shard = {"open": open_shard, "drive": drive_shard, "echo": echo_shard, "echo-max": echo_max_shard}[kind]
    return asyncio.run(shard(**kwargs))


# ------------------------------------------------------------------ processes this bench starts


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_ticks(pid: int, thread: int | None = None) -> int:
    """CPU ticks of a process (all its threads), or of one of its threads."""
    path = f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def machine_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)  # (busy, total): idle and iowait are not busy


def first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(timeout)
    if not box or not box[0]:
        raise RuntimeError(f"{proc.args[:4]} printed no address within {timeout:.0f} s (exit code {proc.poll()})")
    return box[0]


def start_server(data_dir: str, log: Any) -> tuple[subprocess.Popen[str], str, str]:
    """The server, its address and its Prometheus endpoint (the server's own view of its calls)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "--log-level", "WARNING", "serve", "--port", "0", "--data-dir", data_dir,
         "--metrics-port", "0"],
        stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT,
    )
    try:
        line = first_line(proc, START_TIMEOUT_S)  # "handoff-server listening on HOST:PORT (data in ...)"
        metrics = first_line(proc, 30).split()[-1]  # "Prometheus metrics on http://HOST:PORT/metrics"
    except RuntimeError:
        stop(proc)
        raise
    port = line.split()[3].rsplit(":", 1)[1]
    return proc, f"127.0.0.1:{port}", metrics


SCRAPED = ("handoff_rpc_duration_seconds_bucket{", "handoff_event_loop_lag_seconds_bucket{",
           "handoff_gc_pause_seconds_bucket{", "handoff_gc_pause_seconds_sum{",
           "handoff_issue_label_delay_seconds_bucket{")


def histograms(url: str | None) -> dict[tuple[str, str], float]:
    """(series, le) -> cumulative count, for the server's call latencies, event-loop lag and collector
    pauses; (series, "sum") -> the series' total seconds."""
    if url is None:
        return {}
    import urllib.request

    found: dict[tuple[str, str], float] = {}
    with urllib.request.urlopen(url, timeout=10) as page:  # noqa: S310 - the server this bench started
        for line in page.read().decode().splitlines():
            if not line.startswith(SCRAPED):
                continue
            labels, value = line.rsplit(" ", 1)
            name, inside = labels.split("{", 1)
            parts = inside.rstrip("}").split(",")
            if name.endswith("_sum"):
                found[name.removesuffix("_sum") + "{" + ",".join(sorted(parts)) + "}", "sum"] = float(value)
                continue
            le = next(p for p in parts if p.startswith("le=")).split('"')[1]
            series = name.removesuffix("_bucket") + "{" + ",".join(sorted(p for p in parts if not p.startswith("le="))) + "}"
            found[series, le] = float(value)
    return found


def observations_gained(before: dict[tuple[str, str], float], after: dict[tuple[str, str], float], series: str) -> float:
    """How many observations a histogram series gained between two scrapes."""
    return after.get((series, "+Inf"), 0.0) - before.get((series, "+Inf"), 0.0)


def bucket_quantile(before: dict[tuple[str, str], float], after: dict[tuple[str, str], float], series: str,
                    q: float, unit: str = "ms") -> str:
    """The upper bound of the bucket holding the q-quantile of what was observed between two scrapes
    (in ms, or in s with ``unit="s"``)."""
    counts = sorted(((float(le), after[key] - before.get(key, 0.0)) for key in after if key[0] == series
                     for le in [key[1]] if le != "sum"), key=lambda item: item[0])
    total = counts[-1][1] if counts else 0.0
    if not total:
        return "-"
    bound = next(le for le, n in counts if n >= q * total)
    if bound == float("inf"):
        return "over the last bucket"
    return f"<= {bound:g}" if unit == "s" else f"<= {bound * 1000:g}"


def start_echo(lifetime_s: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, __file__, "--echo-server", str(lifetime_s)], stdout=subprocess.PIPE, text=True)
    return proc, first_line(proc, 30).strip()


async def echo_server(lifetime_s: float) -> None:
    server = aio.server()
    handler = grpc.unary_unary_rpc_method_handler(_echo)  # no (de)serializers: bytes in, the same bytes out
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("bench.Echo", {"Echo": handler})])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"127.0.0.1:{port}", flush=True)
    await asyncio.sleep(lifetime_s)  # the benchmark stops it sooner; this bounds it if the benchmark died
    await server.stop(1)


async def _echo(request: bytes, context: aio.ServicerContext) -> bytes:
    return request


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if proc.stdout:
        proc.stdout.close()


# ------------------------------------------------------------------ the run


def shards(items: list[Any], count: int) -> list[list[Any]]:
    return [items[k::count] for k in range(count)]


def clients_per_proc(clients: int, procs: int) -> int:
    return max(1, -(-clients // procs))


def run_phase(pool: Any, kind: str, jobs: list[dict[str, Any]]) -> dict[str, Any]:
    return merge(pool.map(run_job, [(kind, job) for job in jobs]))


def print_table(phases: list[dict[str, Any]], names: list[str]) -> None:
    print(f"{'RPC':<24} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  errors")
    for phase in phases:
        for name in names:
            if name not in phase["latency"] and name not in phase["errors"]:
                continue
            values = phase["latency"].get(name, [])
            errors = ", ".join(f"{code} {n}" for code, n in phase["errors"].get(name, {}).items()) or "0"
            if phase["failed_after"].get(name):
                errors += f" (failed after p50 {pct(phase['failed_after'][name], .5) / 1000:.1f} s)"
            rate = len(values) / phase["elapsed"] if phase["elapsed"] else 0.0
            print(f"{name:<24} {len(values):>7} {rate:>7.0f} {pct(values, .5):>8.2f} {pct(values, .95):>8.2f} "
                  f"{pct(values, .99):>8.2f}  {errors}")


def verdict(label: str, value: float, limit: float, higher_is_better: bool = False, at_size: bool = True) -> str:
    met = value >= limit if higher_is_better else value <= limit
    status = "met" if met else "MISSED"
    if not at_size:
        status += " (this run is below the target's size: not a test of it)"
    return f"  {label}: {value:.1f} ({'>=' if higher_is_better else '<='} {limit:g}) {status}"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", nargs="+", metavar="HOST:PORT", help="running replicas (default: start one)")
    parser.add_argument("--spread", action="store_true", help="send each call to the next replica, not per conversation")
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=500, help="turns per second offered, in total (default 500)")
    parser.add_argument("--seconds", type=float, default=20, help="how long turns are sent (default 20)")
    parser.add_argument("--clients", type=int, default=4, help="grpc.aio channels per target, in total (default 4)")
    parser.add_argument("--streams", type=int, default=0,
                        help="send the turns over this many StreamTurns calls per channel, not AppendTurn (default 0)")
    parser.add_argument("--procs", type=int, default=1, help="client processes sharing the channels and rate (default 1)")
    parser.add_argument("--handoff-every", type=int, default=HANDOFF_EVERY,
                        help=f"a Handoff after every Nth turn (default {HANDOFF_EVERY})")
    parser.add_argument("--echo-max-seconds", type=float, default=5, help="closed-loop echo phase (default 5)")
    parser.add_argument("--echo-server", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.streams < 0:
        parser.error("--streams cannot be negative")
    for name in ("conversations", "clients", "procs", "handoff_every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.rate <= 0 or not 0 < args.seconds <= 3600:
        parser.error("--rate must be positive and --seconds between 0 and 3600")
    for target in args.targets or []:
        if target.rsplit(":", 1)[0].strip("[]") not in LOOPBACK:
            parser.error(f"{target}: this bench drives loopback addresses only ({', '.join(sorted(LOOPBACK))})")
    if args.procs > args.clients:
        parser.error("--procs cannot exceed --clients: each client process holds at least one channel")
    return args


def main() -> None:
    args = parse()
    if args.echo_server is not None:
        asyncio.run(echo_server(args.echo_server))
        return
    started: list[subprocess.Popen[str]] = []
    data_dir = tempfile.mkdtemp(prefix="handoff-load-")
    log = open(Path(data_dir) / "server.log", "w")  # noqa: SIM115 - closed in finally
    pool = None
    try:
        targets, server_pid, metrics = args.targets, None, None
        if not targets:
            proc, target, metrics = start_server(data_dir, log)
            started.append(proc)
            targets, server_pid = [target], proc.pid
        echo, echo_target = start_echo(lifetime_s=4 * args.seconds + args.conversations / 50 + 600)
        started.append(echo)
        pool = multiprocessing.get_context("spawn").Pool(args.procs)
        report(args, pool, targets, server_pid, echo_target, Path(data_dir) / "server.log", metrics)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        for proc in started:
            stop(proc)
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def report(args: argparse.Namespace, pool: Any, targets: list[str], server_pid: int | None, echo_target: str,
           server_log: Path, metrics: str | None = None) -> None:
    per_proc, size = clients_per_proc(args.clients, args.procs), mean_request_bytes()
    # warm up first (lazy imports, model first calls, allocator arenas), so "before" is not start-up alone
    warm = list(enumerate(f"warm-{os.getpid()}-{i}" for i in range(WARM_UP)))
    run_phase(pool, "open", [dict(targets=targets, ids=s, clients=per_proc) for s in shards(warm, args.procs)])
    run_phase(pool, "drive", [dict(targets=targets, ids=warm, rate=100, seconds=2, start_at=time.time(),
                                   clients=per_proc, spread=args.spread, seed=99, streams=args.streams)])
    time.sleep(2.0)
    before = rss_kb(server_pid) if server_pid else 0
    ids = list(enumerate(f"load-{os.getpid()}-{i}" for i in range(args.conversations)))
    opened = run_phase(pool, "open", [dict(targets=targets, ids=s, clients=per_proc) for s in shards(ids, args.procs)])
    time.sleep(2.0)  # let the analysis of the first turns settle before reading memory
    after_open = rss_kb(server_pid) if server_pid else 0
    drive_jobs = [dict(targets=targets, ids=s, rate=args.rate / args.procs, seconds=args.seconds, start_at=time.time() + 1,
                       clients=per_proc, spread=args.spread, seed=k, streams=args.streams,
                       handoff_every=args.handoff_every)
                  for k, s in enumerate(shards(ids, args.procs))]
    machine0, server0 = machine_ticks(), cpu_ticks(server_pid) if server_pid else 0
    loop0 = cpu_ticks(server_pid, server_pid) if server_pid else 0  # the main thread runs the event loop
    seen0 = histograms(metrics)
    server = run_phase(pool, "drive", drive_jobs)
    seen1 = histograms(metrics)
    machine1, server1 = machine_ticks(), cpu_ticks(server_pid) if server_pid else 0
    loop1 = cpu_ticks(server_pid, server_pid) if server_pid else 0
    after_drive = rss_kb(server_pid) if server_pid else 0
    tick, cores = os.sysconf("SC_CLK_TCK"), os.cpu_count() or 1
    wall = (machine1[1] - machine0[1]) / tick / cores
    server["cpu"] = {"machine busy": (machine1[0] - machine0[0]) / tick / wall,
                     "server": (server1 - server0) / tick / wall if server_pid else None,
                     "loop": (loop1 - loop0) / tick / wall if server_pid else None,
                     "client": server["cpu_s"] / wall, "cores": cores}
    bare = run_phase(pool, "echo", [dict(target=echo_target, rate=args.rate / args.procs, seconds=args.seconds,
                                         start_at=time.time() + 1, clients=per_proc, size=size)] * args.procs)
    peak = run_phase(pool, "echo-max", [dict(target=echo_target, seconds=args.echo_max_seconds, start_at=time.time() + 1,
                                             clients=per_proc, size=size, in_flight=32)] * args.procs)

    routing = "spread: each call to the next replica" if args.spread else "round-robin per conversation"
    print(f"\n{len(targets)} replica(s) {' '.join(targets)} ({routing}); client: {args.procs} process(es), "
          f"{per_proc * args.procs} channel(s) per target; echo payload {size} B (mean AppendTurnRequest)")
    created = len(opened["latency"].get("open: first turn", []))
    print(f"opened {created} of {args.conversations} conversations (Create + first turn) in {opened['elapsed']:.1f} s; "
          f"offered {args.rate:.0f} turns/s for {args.seconds:.0f} s\n")
    if args.streams:
        print(f"turns sent over {args.streams} StreamTurns call(s) per channel ({args.streams * per_proc * args.procs} "
              "per target), each carrying a fixed share of the conversations; their acks timed from the scheduled send\n")
    print_table([opened, server, bare, peak], ["CreateConversation", "open: first turn", "AppendTurn", "StreamTurns ack",
                                               "StreamTurns update lag", "GetContextPackage-lag", "Handoff", "echo-baseline",
                                               "echo-max (closed loop)"])
    summarize(args, server, bare, peak, created, (before, after_open, after_drive) if server_pid else None)
    if seen1:
        service = "/handoff.v1.ConversationService/AppendTurn"
        rpc = 'handoff_rpc_duration_seconds{{code="OK",method="{}"}}'
        loop_lag = "handoff_event_loop_lag_seconds{}"
        appends = ("" if args.streams else  # a stream's histogram times the whole call, not a turn
                   f"AppendTurn p50 {bucket_quantile(seen0, seen1, rpc.format(service), .5)}, "
                   f"p99 {bucket_quantile(seen0, seen1, rpc.format(service), .99)}; ")
        print("the server's own view during the turns (its histograms' bucket bounds, ms), from the call "
              f"interceptor's entry to its return: {appends}Handoff p99 "
              f"{bucket_quantile(seen0, seen1, rpc.format('/handoff.v1.HandoffService/Handoff'), .99)}; "
              f"a 100 ms timer on the event loop late by p50 {bucket_quantile(seen0, seen1, loop_lag, .5)}, "
              f"p99 {bucket_quantile(seen0, seen1, loop_lag, .99)}. A call's time before the interceptor (gRPC "
              "accepting it and reading its request) and after (sending the reply) is the client's figure less this.")
        print("issue labels applied during the turns, each this long after the oldest customer turn it was the "
              "first to reflect (the embedding model's queue), in s: " + "; ".join(
                  f"{kind} {observations_gained(seen0, seen1, series):.0f}, p50 {bucket_quantile(seen0, seen1, series, .5, 's')}, "
                  f"p99 {bucket_quantile(seen0, seen1, series, .99, 's')}"
                  for kind in ("first", "escalating", "update") for series in [f'handoff_issue_label_delay_seconds{{kind="{kind}"}}']))
        print("the collector's pauses during the turns (nothing is served meanwhile): "
              + "; ".join(gc_pauses(seen0, seen1, generation, name, wall) for generation, name in GENERATIONS))
    if server_pid and server_log.stat().st_size:
        lines = server_log.read_text(errors="replace").splitlines()
        print(f"server stderr: {len(lines)} line(s), last: {lines[-1][:160]}")


GENERATIONS = ((0, "young"), (1, "middle"), (2, "full"))


def gc_pauses(before: dict[tuple[str, str], float], after: dict[tuple[str, str], float], generation: int, name: str,
              seconds: float) -> str:
    """One generation's collections between two scrapes: how many, their p99 bucket, their share of the time."""
    series = f'handoff_gc_pause_seconds{{generation="{generation}"}}'
    count = after.get((series, "+Inf"), 0.0) - before.get((series, "+Inf"), 0.0)
    if not count:
        return f"{name} none"
    spent = after.get((series, "sum"), 0.0) - before.get((series, "sum"), 0.0)
    return (f"{name} {count:.0f} ({count / seconds:.1f}/s), p99 {bucket_quantile(before, after, series, .99)} ms, "
            f"{spent / seconds * 1000:.1f} ms/s")


def summarize(args: argparse.Namespace, server: dict[str, Any], bare: dict[str, Any], peak: dict[str, Any],
              created: int, rss: tuple[int, int, int] | None) -> None:
    append = "StreamTurns ack" if args.streams else "AppendTurn"
    appends = server["latency"].get(append, [])
    sustained = server["in_window"].get(append, 0) / args.seconds
    print(f"\nturns/s sustained: {sustained:.0f} acknowledged per second within the {args.seconds:.0f} s window "
          f"(+{WINDOW_GRACE_S} s for the last replies), "
          f"{args.rate:.0f} offered ({len(appends)} of {server['sent']} acknowledged in all, the last "
          f"{server['elapsed'] - args.seconds:.1f} s after the window)")
    cpu = server["cpu"]
    print(f"CPU during the turns, in cores of {cpu['cores']}: machine busy {cpu['machine busy']:.2f}, "
          + (f"server {cpu['server']:.2f}, " if cpu["server"] is not None else "")
          + f"client process(es) {cpu['client']:.2f}, everything else "
          f"{max(0.0, cpu['machine busy'] - (cpu['server'] or 0) - cpu['client']):.2f}")
    if cpu["server"] is not None and sustained:
        print(f"server CPU per turn: {cpu['server'] / sustained * 1000:.2f} ms, of which the event-loop thread "
              f"{cpu['loop'] / sustained * 1000:.2f} ms ({cpu['loop']:.2f} of a core)")
    for label, phase in (("server run", server), ("echo run", bare)):
        print(f"client send lateness ({label}): p50 {pct(phase['send_late'], .5):.2f} ms, "
              f"p99 {pct(phase['send_late'], .99):.2f} ms, max {pct(phase['send_late'], 1.0):.2f} ms "
              f"(how late the client issued its scheduled sends)")
    if rss:
        before, after_open, after_drive = rss
        per = (after_open - before) / max(1, created)
        print(f"server RSS: {before / 1024:.1f} MB before, {after_open / 1024:.1f} MB with {created} open "
              f"conversations, {after_drive / 1024:.1f} MB after the turns: {per:.1f} KB per open conversation")
    bare_p99, append_p99 = pct(bare["latency"].get("echo-baseline", []), .99), pct(appends, .99)
    print(f"server {append} p99 {append_p99:.2f} ms = {append_p99 / bare_p99:.1f}x the bare-gRPC echo p99 "
          f"({bare_p99:.2f} ms) at the same offered rate; bare gRPC peaks at "
          f"{len(peak['latency'].get('echo-max (closed loop)', [])) / max(peak['elapsed'], 1e-9):.0f} calls/s here")
    many = args.conversations >= TARGETS["conversations"]
    full = many and args.rate >= TARGETS["turns/s"]
    print("against the targets (2 cores, embedded defaults):")
    checks = [verdict("open conversations", created, TARGETS["conversations"], True, many),
              verdict("turns/s sustained", sustained, TARGETS["turns/s"], True, full),
              verdict(f"{append} p99 ms", append_p99, TARGETS["append p99 ms"], at_size=full),
              verdict("analysis lag p99 ms", pct(server["latency"].get("GetContextPackage-lag", []), .99),
                      TARGETS["lag p99 ms"], at_size=full),
              verdict("brief (Handoff) p99 ms", pct(server["latency"].get("Handoff", []), .99),
                      TARGETS["brief p99 ms"], at_size=full)]
    if rss:
        checks.append(verdict("KB per open conversation", (rss[1] - rss[0]) / max(1, created),
                              TARGETS["KB per conversation"], at_size=many))
    errors = sum(n for codes in server["errors"].values() for n in codes.values())
    checks.append(f"  errors during the turns: {errors}")
    print("\n".join(checks))


if __name__ == "__main__":
    main()
