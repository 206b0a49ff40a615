"""The embedding model in a lower-priority child process: same vectors, and it survives the child's death."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from server.analysis.embedding import Embedder
from server.analysis.embedding_process import ProcessEmbedder

TEXTS = ["My parcel never arrived and the tracking has not moved.", "I was charged twice for one order."]


@pytest.fixture(scope="module")
def child() -> ProcessEmbedder:
    embedder = ProcessEmbedder(nice=5)
    yield embedder
    embedder.close()


def _child_pid(embedder: ProcessEmbedder) -> int:
    (pid,) = embedder._pool._processes  # type: ignore[attr-defined]
    return int(pid)


def test_vectors_match_the_in_process_model(child: ProcessEmbedder, embedder: Embedder) -> None:
    assert child.precision == embedder.precision  # both "auto", resolved on the same CPU
    assert np.allclose(child.embed(TEXTS), embedder.embed(TEXTS), atol=1e-5)
    assert child.embed([]).shape == (0, child.dimension)


def test_the_child_runs_at_a_lower_priority(child: ProcessEmbedder) -> None:
    assert os.getpriority(os.PRIO_PROCESS, _child_pid(child)) == os.getpriority(os.PRIO_PROCESS, 0) + 5


def test_every_thread_of_the_child_runs_only_on_cpu_nothing_else_wants(child: ProcessEmbedder) -> None:
    child.embed(TEXTS * 8)  # the model's worker threads exist now
    threads = [int(t) for t in os.listdir(f"/proc/{_child_pid(child)}/task")]
    assert len(threads) > 1
    assert {os.sched_getscheduler(t) for t in threads} == {os.SCHED_IDLE}
    assert os.sched_getscheduler(0) != os.SCHED_IDLE  # the server itself is not


def test_ctrl_c_leaves_the_child_to_the_server(child: ProcessEmbedder, embedder: Embedder) -> None:
    # A terminal's Ctrl-C reaches the whole process group: the child must not die of it mid-batch
    # (with a traceback) while the server drains its calls; the server closes it.
    pid = _child_pid(child)
    os.kill(pid, signal.SIGINT)
    assert np.allclose(child.embed(TEXTS[:1]), embedder.embed(TEXTS[:1]), atol=1e-5)
    assert _child_pid(child) == pid


def test_a_killed_child_is_replaced(child: ProcessEmbedder, embedder: Embedder) -> None:
    first = _child_pid(child)
    os.kill(first, signal.SIGKILL)
    assert np.allclose(child.embed(TEXTS[:1]), embedder.embed(TEXTS[:1]), atol=1e-5)
    assert _child_pid(child) != first
