"""Deprecated shim: the per-turn analysis lives in server.analysis.engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from server.context.model import ContextPackage, Turn

TurnAnalyser = Callable[[ContextPackage, Turn], None]


@dataclass
class Pipeline:
    turn_analysers: Sequence[TurnAnalyser] = ()

    def analyse(self, package: ContextPackage, new_turns: Sequence[Turn]) -> ContextPackage:
        for turn in new_turns:
            if turn.id <= package.analyzed_through_turn:
                continue
            package.transcript.append(turn)
            for analyser in self.turn_analysers:
                analyser(package, turn)
            package.analyzed_through_turn = turn.id
        return package
