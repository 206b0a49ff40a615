"""Steps attempted and how they went.

Three sources, merged by step name: a structured ``turn.action`` (name and
outcome as given); a logged system action ("Purchase validation in progress
...", "Account has been pulled up for ..."), mapped to the deployment's declared
action names; and the bot's own words ("I've sent you a reset link", "have you
tried logging out and back in?"). A generic log line ("Agent is looking for
solutions ...") is named from the bot messages just before it. When the customer
then says it did not work ("it never arrived", "I have done that too"), the
latest open step is marked failed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from server.analysis.action_names import ActionMatcher, plain_name
from server.analysis.folded import Folded
from server.analysis.questions import last_bot_block
from server.context.model import ContextPackage, Outcome, Role, Step, Turn

logger = logging.getLogger(__name__)


def _rx(pattern: str) -> Folded:
    return Folded(pattern)


_PENDING = _rx(r"\bin prog|\bwill be\b|\bquerying\b|\bsearching\b|\blooking\b|\bpending\b|\bwaiting\b")
_FAILED = _rx(r"\bfail|\bcould ?n[o']t\b|\bunable\b|\berror\b|\bnot found\b|\bdenied\b|\brejected\b|\bdeclined\b")
_DONE = _rx(r"\b(?:has|have) been\b|\bwas (?:\w+ed|sent|made)\b|\bsucceeded\b|\bcompleted?\b|\bdone\b")
_BOT_DID = _rx(
    r"\b(?:i|we)(?:'ve| have)? (?:just |already |now )?"
    r"(?:sent|reset|issued|cancell?ed|refunded|updated|escalated|processed|submitted|resent|applied|"
    r"changed|credited|created|unlocked|validated|verified|pulled up|located|generated|notified|placed|removed)\b[^.!?]*"
)
_BOT_SUGGESTS = _rx(
    r"\b(?:have you (?:already )?tried|did you try|let's try|lets try|please try|(?:can|could|would) you (?:please )?try)"
    r"\b\s+(?:to\s+)?([^.!?,:]*)"
)
_DID_NOT_WORK = _rx(
    r"\bnever (?:arrived|came|got|received|showed)|\bdid ?n[o']t (?:get|receive|arrive|work|come|help|fix)|"
    r"\bdoes ?n[o']t work|\bnot work|\bstill (?:not|no|nothing|the same|doesn|getting|broken|says)|"
    r"\bhave(?:n't| not) (?:received|gotten|got)|\bno (?:email|link|code|message) (?:arrived|came)|"
    r"\b(?:i )?(?:have |'ve )?(?:already )?(?:done|tried) (?:that|this|it)\b|\bsame (?:problem|issue|thing)\b"
)
_OPEN = (Outcome.PENDING, Outcome.SUCCEEDED, Outcome.UNKNOWN)


class StepTracker:
    """Per-turn analyser: keeps ``package.steps`` up to date."""

    def __init__(self, actions: Sequence[str] = (), descriptions: Mapping[str, str] | None = None) -> None:
        self.matcher = ActionMatcher(actions, descriptions)
        self.declared = bool(self.matcher.actions)

    def __call__(self, package: ContextPackage, turn: Turn) -> None:
        self.update(package, turn)

    def update(self, package: ContextPackage, turn: Turn) -> None:
        if turn.action is not None:
            name = self._name(turn.action.name) or turn.action.name
            record_step(package, name, turn.action.outcome, turn.id, turn.action.detail)
        if turn.role == Role.SYSTEM and turn.text.strip():
            self._logged(package, turn)
        elif turn.role in (Role.BOT, Role.AGENT):
            self._said(package, turn)
        elif turn.role == Role.CUSTOMER and _DID_NOT_WORK.search(turn.text):
            mark_latest_failed(package, turn.id)

    def _logged(self, package: ContextPackage, turn: Turn) -> None:
        name = self._name(turn.text)
        if name is None:
            context = " ".join(t.text for t in last_bot_block(package.transcript, turn.id)[-2:])
            name = self._name(context, suggestions_only=True) or plain_name(turn.text)
        record_step(package, name, outcome_of(turn.text), turn.id)

    def _said(self, package: ContextPackage, turn: Turn) -> None:
        for match in _BOT_DID.finditer(turn.text):
            name = self._name(match.group(0)) if self.declared else plain_name(match.group(0))
            if name:
                record_step(package, name, Outcome.SUCCEEDED, turn.id)
        for match in _BOT_SUGGESTS.finditer(turn.text):
            name = self._name(match.group(1)) if self.declared else plain_name(match.group(1))
            if name:
                record_step(package, name, Outcome.PENDING, turn.id, "suggested to the customer")

    def _name(self, text: str, suggestions_only: bool = False) -> str | None:
        if not self.declared:
            return None if suggestions_only else plain_name(text) or None
        found = self.matcher.match(text)
        return found[0] if found else None


def outcome_of(text: str) -> Outcome:
    if _FAILED.search(text):
        return Outcome.FAILED
    if _PENDING.search(text):
        return Outcome.PENDING
    if _DONE.search(text):
        return Outcome.SUCCEEDED
    return Outcome.UNKNOWN


def record_step(package: ContextPackage, name: str, outcome: Outcome, turn_id: int, detail: str = "") -> None:
    """Adds a step, or the turn and newer outcome to the same step already known."""
    for step in package.steps:
        if step.name == name and step.outcome != Outcome.FAILED:
            if turn_id not in step.turn_ids:
                step.turn_ids.append(turn_id)
            if outcome != Outcome.UNKNOWN:
                step.outcome = outcome
            step.detail = detail or step.detail
            return
    package.steps.append(Step(name=name, outcome=outcome, detail=detail, turn_ids=[turn_id]))
    logger.debug("step %s (%s) at turn %d", name, outcome, turn_id)


def mark_latest_failed(package: ContextPackage, turn_id: int) -> None:
    """The customer says the latest open step did not work."""
    for step in reversed(package.steps):
        if step.outcome in _OPEN:
            step.outcome = Outcome.FAILED
            step.detail = "customer says it did not work"
            step.turn_ids.append(turn_id)
            return
