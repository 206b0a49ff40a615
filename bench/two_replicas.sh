#!/usr/bin/env bash
# Two replicas on one Redis, driven by the load bench: the scale-out figures in README "Load".
#
#     bench/two_replicas.sh [load.py options, e.g. --conversations 10000 --rate 500 --seconds 60]
#
# Starts a private redis-server (append-only file, fsync every second) on $REDIS_PORT (6399) in a
# fresh folder, two servers on it (ports 50061 and 50062, each with its own data folder), waits for
# both to answer, runs bench/load.py --targets against them, prints each replica's RSS and Redis's
# memory, and stops everything it started. Needs redis-server and redis-cli on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
PORT=${REDIS_PORT:-6399}
DIR=$(mktemp -d)
PIDS=()
stop() {
    for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap stop EXIT
redis-server --port "$PORT" --save "" --appendonly yes --appendfsync everysec --dir "$DIR" \
    --daemonize yes --logfile "$DIR/redis.log"
for n in 1 2; do
    HANDOFF_STORE=redis HANDOFF_REDIS_URL="redis://127.0.0.1:$PORT/0" HANDOFF_DATA_DIR="$DIR/replica$n" \
        "$PY" -m server serve --port "5006$n" >"$DIR/replica$n.log" 2>&1 &
    PIDS+=($!)
done
for n in 1 2; do  # until each says SERVING (the embedding model loads first: a minute or more on a busy machine)
    "$PY" - "127.0.0.1:5006$n" <<'PY'
import sys, time
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

deadline = time.monotonic() + 600
while True:
    try:
        with grpc.insecure_channel(sys.argv[1]) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                break
    except grpc.RpcError:
        pass
    if time.monotonic() > deadline:
        sys.exit(f"{sys.argv[1]} did not start")
    time.sleep(0.5)
PY
done
"$PY" bench/load.py --targets 127.0.0.1:50061 127.0.0.1:50062 "$@"
for n in 1 2; do echo "replica $n RSS after the run: $(( $(ps -o rss= -p "${PIDS[$((n - 1))]}") / 1024 )) MB"; done
echo "Redis $(redis-cli -p "$PORT" info memory | grep '^used_memory_human' | tr -d '\r')"
