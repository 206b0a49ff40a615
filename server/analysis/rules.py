"""The rule-based per-turn analysers, in the order they should run."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from server.analysis.commitments import CommitmentTracker
from server.analysis.facts import FactExtractor, FactType
from server.analysis.statements import StatementTracker
from server.analysis.steps import StepTracker
from server.context.model import ContextPackage, Turn

TurnAnalyser = Callable[[ContextPackage, Turn], None]


def build_turn_analysers(
    actions: Sequence[str] = (),
    extra_fact_types: Sequence[FactType] = (),
    action_descriptions: Mapping[str, str] | None = None,
) -> list[TurnAnalyser]:
    """Facts, then statements, commitments and steps; each is ``update(package, turn)``.

    ``actions`` are the deployment's declared action names (steps are mapped to them),
    ``action_descriptions`` optional words about each, ``extra_fact_types`` its own facts.
    """
    return [
        FactExtractor(extra_fact_types).update,
        StatementTracker().update,
        CommitmentTracker().update,
        StepTracker(actions, action_descriptions).update,
    ]
