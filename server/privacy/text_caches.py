"""Memo caches keyed by what people said, emptied when conversations are deleted.

The analysers and checks memoise pure functions of a turn's text (its sentences,
its claims, whether it talks to the model). Those keys are customer text, so a
deletion on request or a retention purge must not leave them in memory: every
such cache is made here and ``forget_texts`` empties them all. Clearing all is
coarse but cheap (deletions are rare) and the caches refill on the next turn.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_caches: list[Any] = []


def text_cache(maxsize: int) -> Callable[[F], F]:
    """functools.lru_cache, registered so that forget_texts() empties it."""

    def wrap(fn: F) -> F:
        cached = lru_cache(maxsize=maxsize)(fn)
        _caches.append(cached)
        return cached  # type: ignore[return-value]

    return wrap


def forget_texts() -> None:
    for cached in _caches:
        cached.cache_clear()


def cached_entries() -> int:
    """How many texts the caches hold (tests, diagnostics)."""
    return sum(cached.cache_info().currsize for cached in _caches)
