"""A fuzz campaign against every RPC of a real server: inputs tried, statuses, failures.

    python bench/fuzz_rpc.py [--examples 500] [--seconds 600] [--embeddings]

Starts ``python -m server serve --port 0`` on a temporary data folder, creates one
conversation the generated requests are biased towards, then for every RPC sends
generated messages (tests/api/fuzzing.py: random fields, huge and odd strings,
extreme and non-finite numbers, unknown enum values, oversize maps and lists) and
malformed wire payloads (invalid UTF-8, truncated messages, random bytes), each call
with a 10 s timeout. A failure is UNKNOWN, INTERNAL, any status outside the
documented ones, a non-OK status without a message, or a call that runs into its
timeout. At the end the server must still answer health SERVING and create a
conversation, and its log must hold no "unexpected error" traceback.
Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server._proto.handoff.v1 import handoff_pb2 as pb  # noqa: E402
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc  # noqa: E402
from tests.api.fuzzing import KNOWN, Outcome, Rpc, call, requests_for, rpcs, wire_payloads  # noqa: E402


def start(data_dir: Path, embeddings: bool, log: Path) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "HANDOFF_EMBEDDINGS": str(embeddings).lower(), "HANDOFF_MAX_TURN_CHARS": "500"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "--log-level", "WARNING", "serve", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=log.open("w"), text=True, env=env, cwd=ROOT,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    if "listening on" not in line:
        raise SystemExit(f"the server did not start; see {log}")
    return proc, int(line.split()[3].rsplit(":", 1)[1])


class Campaign:
    def __init__(self, channel: grpc.Channel, examples: int, deadline: float) -> None:
        self.channel, self.examples, self.deadline = channel, examples, deadline
        self.tried: Counter[str] = Counter()
        self.tried_raw: Counter[str] = Counter()
        self.codes: dict[str, Counter[str]] = {}
        self.failures: list[tuple[str, Outcome, str]] = []

    def run(self, rpc: Rpc, strategy: st.SearchStrategy, raw: bool) -> None:
        @settings(max_examples=self.examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(strategy)
        def one(request) -> None:  # type: ignore[no-untyped-def]
            if time.monotonic() > self.deadline:
                return
            payload = [request] if raw and rpc.client_streaming else request
            outcome = call(self.channel, rpc, payload, raw=raw)
            (self.tried_raw if raw else self.tried)[rpc.name] += 1
            self.codes.setdefault(rpc.name, Counter())[outcome.code.name] += 1
            if outcome.failure:
                self.failures.append((rpc.name, outcome, repr(request)[:300]))

        one()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=500, help="generated messages per RPC (as many wire payloads)")
    parser.add_argument("--seconds", type=float, default=600, help="stop generating after this long")
    parser.add_argument("--embeddings", action="store_true", help="load the embedding model (issue labels, KB)")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="handoff-fuzz-"))
    log = data_dir / "server.log"
    proc, port = start(data_dir, args.embeddings, log)
    started = time.monotonic()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            pb_grpc.ConversationServiceStub(channel).CreateConversation(
                pb.CreateConversationRequest(conversation_id=KNOWN), timeout=10)
            campaign = Campaign(channel, args.examples, started + args.seconds)
            for rpc in rpcs():
                campaign.run(rpc, requests_for(rpc), raw=False)
                campaign.run(rpc, wire_payloads(rpc.method.input_type), raw=True)
            healthy = _healthy(channel)
    finally:
        proc.terminate()
        proc.wait(30)
    return report(campaign, healthy, log, time.monotonic() - started)


def _healthy(channel: grpc.Channel) -> bool:
    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
    created = pb_grpc.ConversationServiceStub(channel).CreateConversation(pb.CreateConversationRequest(), timeout=10)
    return reply.status == health_pb2.HealthCheckResponse.SERVING and bool(created.conversation_id)


def report(campaign: Campaign, healthy: bool, log: Path, seconds: float) -> int:
    print(f"{'rpc':<22} {'messages':>8} {'wire':>6}  statuses")
    for name, tried in campaign.tried.items():
        codes = ", ".join(f"{code} {n}" for code, n in campaign.codes[name].most_common())
        print(f"{name:<22} {tried:>8} {campaign.tried_raw[name]:>6}  {codes}")
    total = sum(campaign.tried.values()) + sum(campaign.tried_raw.values())
    by_kind = Counter(outcome.failure for _, outcome, _ in campaign.failures)
    tracebacks = log.read_text(errors="replace").count("unexpected error in")
    print(f"\n{total} inputs over {len(campaign.tried)} RPCs in {seconds:.0f} s; failures: {len(campaign.failures)} "
          f"({', '.join(f'{k} {n}' for k, n in by_kind.items()) or 'none'}); "
          f"'unexpected error' tracebacks in the server log: {tracebacks}; healthy afterwards: {healthy}")
    for name, outcome, request in campaign.failures[:20]:
        print(f"  {name}: {outcome.code.name} after {outcome.seconds:.1f} s {outcome.details[:120]!r} for {request}")
    return 0 if not campaign.failures and healthy and not tracebacks else 1


if __name__ == "__main__":
    sys.exit(main())
