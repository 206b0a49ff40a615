"""Escalation as the pipeline's last step, with a hook to prepare the brief early.

When the decision first leaves "continue" (to soon or straight to now), the
``on_prepare`` callback runs with the package, so the brief and its prose can be
generated while the bot is still talking and the transfer is instant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from server.context.model import ContextPackage, Decision, Escalation, Issue
from server.escalation.decide import decide
from server.escalation.policy import EscalationPolicy

logger = logging.getLogger(__name__)

Prepare = Callable[[ContextPackage, Escalation], None]


def needs_brief(previous: Escalation, current: Escalation) -> bool:
    """True on the turn the decision first turns towards a person (continue -> soon/now)."""
    return previous.decision is Decision.CONTINUE and current.decision is not Decision.CONTINUE


@dataclass
class EscalationStep:
    """A package step: ``step(package)`` sets ``package.escalation``."""

    policy: EscalationPolicy = field(default_factory=EscalationPolicy)
    beyond_bot: Collection[str] = ()
    on_prepare: Prepare | None = None

    def reads_issue_change(self, before: Issue, after: Issue) -> bool:
        """Whether the decision could differ between the two issues: the signals read the label,
        its complexity and its turns, and the confidence only of labels kept for people."""
        if (before.label, before.complexity, before.turn_ids) != (after.label, after.complexity, after.turn_ids):
            return True
        kept_for_people = after.label in self.beyond_bot or after.label in self.policy.beyond_bot_labels
        return kept_for_people and before.confidence != after.confidence

    def __call__(self, package: ContextPackage) -> None:
        previous = package.escalation
        current = decide(package, self.policy, beyond_bot=self.beyond_bot)
        if previous.first_flagged_turn:
            current.first_flagged_turn = previous.first_flagged_turn
        elif current.decision is not Decision.CONTINUE:
            current.first_flagged_turn = current.decided_at_turn
        package.escalation = current
        if current.decision is not previous.decision:
            logger.info(
                "escalation %s -> %s at turn %s (score %.2f; %s)", previous.decision.value,
                current.decision.value, current.decided_at_turn, current.score,
                ",".join(r.code for r in current.reasons) or "-",
            )
        if self.on_prepare is not None and needs_brief(previous, current):
            self.on_prepare(package, current)
