"""The embedding model in a child process, at a lower CPU priority than the server.

On a small machine the model's forward passes are the server's biggest CPU cost.
Run in a thread, they share the interpreter lock and the cores with the event loop
that answers every RPC, so an append waits behind a batch of embeddings. In a child
process with a higher nice value and, on Linux, the idle scheduling class (every one
of its threads), the kernel gives the event loop the CPU whenever it wants it and
the model the rest: calls stay fast and the embeddings run late
under load, which the engine already allows for (late issue labels are applied when
they land).

``ProcessEmbedder`` has ``Embedder``'s interface (``embed``, ``dimension``), so the
issue classifier and the knowledge base take either.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 300.0
DEFAULT_NICE = 10  # weight 110 against the server's 1024: the event loop wins nearly every contest

_model = None  # the child's Embedder


def _start(model_path: str, threads: int | None, nice: int, precision: str) -> None:
    global _model
    # A terminal's Ctrl-C reaches the whole process group; the server drains its calls and then
    # closes this process itself, so the child must not die of it first (with a traceback).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice:
        _lower_priority(nice)
    from server.analysis.embedding import Embedder

    _model = Embedder(model_path, threads=threads, precision=precision)


def _lower_priority(nice: int) -> None:
    """Every thread of this process (numpy's pool is already running; the model's threads,
    started later, inherit it): ``nice``, and SCHED_IDLE where Linux has it, so the model only
    runs on CPU nothing else wants and the kernel preempts it the moment an RPC wakes."""
    base = os.getpriority(os.PRIO_PROCESS, 0)
    tasks = [int(t) for t in os.listdir("/proc/self/task")] if os.path.isdir("/proc/self/task") else [0]
    for tid in tasks:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, base + nice))
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
        except (AttributeError, OSError):  # not Linux, or the thread has just ended
            pass


def _embed(texts: list[str], batch_size: int) -> np.ndarray:
    return _model.embed(texts, batch_size)  # type: ignore[union-attr]


def _precision() -> str:
    return _model.precision  # type: ignore[union-attr]


class ProcessEmbedder:
    """all-MiniLM-L6-v2 in one child process; ``embed`` blocks the calling thread, as ``Embedder``'s does."""

    dimension = 384

    def __init__(self, model_path: str | Path | None = None, threads: int | None = None,
                 nice: int = DEFAULT_NICE, precision: str = "auto") -> None:
        from server.analysis.embedding import default_model_path

        self._args = (str(model_path or default_model_path()), threads, nice, precision)
        self._lock = threading.Lock()
        self._pool = self._open()

    def _open(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start, initargs=self._args)
        # the model is loaded before we serve; "auto" as the child resolved it
        self.precision: str = pool.submit(_precision).result(START_TIMEOUT_S)
        logger.info("embedding model loaded in a child process (nice +%d, %s)", self._args[2], self.precision)
        return pool

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        pool = self._pool
        try:
            return pool.submit(_embed, list(texts), batch_size).result()
        except BrokenProcessPool:  # the child died (killed, out of memory): start another, once
            logger.error("the embedding process died; starting a new one")
            with self._lock:
                if self._pool is pool:
                    self._pool = self._open()
            return self._pool.submit(_embed, list(texts), batch_size).result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
