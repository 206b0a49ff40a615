"""The ``handoff`` command: serve, replay, eval, kb, metrics, forget."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from server.config import Settings, load_settings
from server.errors import HandoffError
from server.transport import add_client_arguments

logger = logging.getLogger("handoff")

DEMO = Path(__file__).resolve().parent / "demo" / "delayed_order.json"
SAMPLE_KB = Path(__file__).resolve().parents[1] / "kb"
DEMO_AGENT_TURNS = ["Hi Maria, I'm Sam from the delivery team. I have everything from your chat."]
DEMO_DRAFTS = [
    "Could you give me your order number so I can look into it?",
    "I checked and your order hasn't shipped yet.",
    "Your order 88412 shipped on Monday; I've asked the carrier to expedite it and you'll get an update "
    "by email within 24 hours.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="handoff", description="handoff-server: seamless bot-to-human handoff")
    parser.add_argument("--log-level", default="INFO")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_serve(commands)
    _add_replay(commands)
    for register in _extensions():
        register(commands)
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except HandoffError as e:
        print(f"handoff: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _extensions() -> list:
    """Subcommands that live beside the features they drive."""
    from server.evaluation.cli import register_cli as register_eval
    from server.metrics_cli import register_cli as register_metrics
    from server.privacy.cli import register_cli as register_forget

    extensions = [register_eval, register_metrics, register_forget]
    try:
        from server.knowledge.cli import register_cli as register_kb
    except ImportError:  # the knowledge extra is not installed
        return extensions
    return [*extensions, register_kb]


# ------------------------------------------------------------------ serve


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="run the gRPC server (embedded defaults: SQLite, local chromadb)")
    serve.add_argument("--host", help="address to bind (HANDOFF_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (HANDOFF_PORT, default 50051; 0 picks a free one)")
    serve.add_argument("--data-dir", type=Path, help="where state lives (HANDOFF_DATA_DIR, default ./handoff-data)")
    serve.add_argument("--taxonomy", type=Path, help="issue taxonomy file or folder (HANDOFF_TAXONOMY)")
    serve.add_argument("--llm-model", help="litellm model string for handoff prose (HANDOFF_LLM_MODEL)")
    serve.add_argument("--metrics-port", type=int,
                       help="Prometheus /metrics port (HANDOFF_METRICS_PORT; -1 off (default), 0 any free port)")
    serve.add_argument("--tls-cert", type=Path, help="server certificate, PEM (HANDOFF_TLS_CERT); TLS when given")
    serve.add_argument("--tls-key", type=Path, help="server private key, PEM (HANDOFF_TLS_KEY)")
    serve.add_argument("--tls-client-ca", type=Path,
                       help="CA that must sign every client's certificate: mutual TLS (HANDOFF_TLS_CLIENT_CA)")
    serve.add_argument("--demo", action="store_true", help="once up, play the shipped sample conversation")
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings(
        host=args.host, port=args.port, data_dir=args.data_dir, taxonomy=args.taxonomy, llm_model=args.llm_model,
        metrics_port=args.metrics_port, tls_cert=args.tls_cert, tls_key=args.tls_key,
        tls_client_ca=args.tls_client_ca,
    )
    asyncio.run(_serve_async(settings, args.demo))
    return 0


async def _serve_async(settings: Settings, demo: bool) -> None:
    from server.app import build_server

    server, port, runtime = await build_server(settings)
    collecting = _tune_gc(settings.gc_full_every_s)
    sys.setswitchinterval(settings.gil_switch_ms / 1000)
    await server.start()
    security = "TLS" if settings.tls_cert else "plaintext"
    security += " with client certificates" if settings.tls_client_ca else ""
    security += ", API keys" if settings.api_keys else ""
    print(f"handoff-server listening on {settings.host}:{port} ({security}; data in {settings.data_dir})", flush=True)
    endpoint = None
    if settings.metrics_port >= 0:
        from server.observability import start_metrics_endpoint

        endpoint = start_metrics_endpoint(runtime.store, settings.host, settings.metrics_port, runtime.live.flush)
        print(f"Prometheus metrics on http://{settings.host}:{endpoint.port}/metrics", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if demo and (settings.tls_cert or settings.api_keys):
        print("--demo plays over plaintext without a key; unset HANDOFF_TLS_* and HANDOFF_API_KEYS for it", flush=True)
    elif demo:
        asyncio.create_task(_play_demo(runtime, f"127.0.0.1:{port}"))
    await stop.wait()
    logger.info("shutting down: draining calls for up to %.0f s", settings.grace_s)
    await runtime.health.enter_graceful_shutdown()
    await server.stop(settings.grace_s)
    if endpoint is not None:
        endpoint.close()
    if collecting is not None:
        collecting.cancel()
    await runtime.close()


def _tune_gc(full_every_s: float) -> asyncio.Task[None] | None:
    """Start-up's objects out of every collection; then, unless told otherwise, the collector walks
    only the young generations and a full collection runs every ``full_every_s`` (server/gc_policy.py)."""
    from server import gc_policy

    gc_policy.settle_start_up()
    if not full_every_s:
        return None
    gc_policy.young_only()
    return asyncio.create_task(gc_policy.collect_periodically(full_every_s))


async def _play_demo(runtime: object, target: str) -> None:
    knowledge = getattr(runtime, "knowledge", None)
    if knowledge is not None and SAMPLE_KB.is_dir():
        from server.knowledge.ingest import ingest

        await asyncio.to_thread(ingest, knowledge, [SAMPLE_KB])
    await asyncio.to_thread(_demo_client, target)
    print("\ndemo done; the server keeps running (Ctrl-C to stop). Try: handoff replay "
          f"{DEMO} --target {target}", flush=True)


def _demo_client(target: str) -> None:
    import grpc

    from server.replay import Replayer, read_conversations

    with grpc.insecure_channel(target) as channel:
        replayer = Replayer(channel, sys.stdout)
        last = None
        for recorded in read_conversations(DEMO):
            last = replayer.play(recorded)
        if last is not None:
            replayer.assist(last.conversation_id, DEMO_AGENT_TURNS, DEMO_DRAFTS)


# ------------------------------------------------------------------ replay


def _add_replay(commands: argparse._SubParsersAction) -> None:
    replay = commands.add_parser("replay", help="play recorded conversations against a running server")
    replay.add_argument("file", type=Path, help="JSONL in the ../shared/data format, or a JSON transcript")
    replay.add_argument("--target", default="127.0.0.1:50051", help="server address (default 127.0.0.1:50051)")
    replay.add_argument("--limit", type=int, help="play at most N conversations")
    replay.add_argument("--json", action="store_true", help="print the final package as JSON")
    replay.add_argument("--full", action="store_true", help="keep playing after the handoff point")
    add_client_arguments(replay)
    replay.set_defaults(run=_replay_file)


def _replay_file(args: argparse.Namespace) -> int:
    from server.replay import Replayer, read_conversations
    from server.transport import connected

    if not args.file.exists():
        print(f"handoff: no such file {args.file}", file=sys.stderr)
        return 2
    with connected(args) as channel:
        replayer = Replayer(channel, sys.stdout, json_output=args.json)
        for count, recorded in enumerate(read_conversations(args.file)):
            if args.limit is not None and count >= args.limit:
                break
            replayer.play(recorded, full=args.full)
    return 0
