"""A deployment's escalation policy: which signals count, how much, and the bars.

Nothing here is a fixed rule ("after three failures"): every signal has a weight,
the decision bars are thresholds, and a deployment overrides any of them from a
JSON file (``HANDOFF_ESCALATION_POLICY``). Unknown keys are refused, so a typo
fails loudly instead of silently falling back to a default.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from server.errors import InvalidArgumentError

# Signals that push towards a human. A reason's weight is the signal's weight
# times its strength (0..1); the score is their sum, minus what the holds take off.
DEFAULT_WEIGHTS: dict[str, float] = {
    "asked_for_human": 1.2,  # the customer asked for a person
    "needs_authority": 1.1,  # an exception, a refund beyond policy, a supervisor's word
    "looping": 1.0,  # the bot asks the same again / the same step fails again
    "customer_repeating": 0.45,  # the customer says the same thing again
    "failed_steps": 0.55,  # at 3+ distinct failed steps; fewer scale down
    "frustration": 0.55,  # times the current frustration (0..1)
    "rising_frustration": 0.3,  # the trend is up
    "frustration_with_bot": 0.25,  # the frustration is about the bot itself
    "beyond_bot": 0.55,  # the issue type is one the deployment keeps for humans
    "complexity": 0.25,  # high complexity; medium counts half
    "prior_escalation": 0.2,  # the customer was escalated about this before
}

# Holds: what takes off the score (never below the hard signals; see decide).
DEFAULT_HOLDS: dict[str, float] = {
    "near_resolution": 0.7,  # taken off the soft signals when the issue is nearly solved
    "delay_frustration": 0.75,  # share of frustration discounted when it is about a delay
}

HARD_SIGNALS = frozenset({"asked_for_human", "needs_authority"})

DEFAULT_UNAVAILABLE = (
    "I'm not able to transfer you to a person right now, so I'll keep helping you here "
    "and make sure everything you've told me is saved for when someone can follow up."
)
DEFAULT_DISABLED = (
    "Transfers to a person aren't available in this chat, so I'll keep helping you here "
    "as best I can."
)


class EscalationPolicy(BaseModel):
    """Per-deployment escalation settings; every field has a sensible default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    agents_available: bool = True
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    holds: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_HOLDS))
    soon_threshold: float = Field(0.5, gt=0)
    now_threshold: float = Field(1.0, gt=0)
    hysteresis: float = Field(0.1, ge=0)  # a soon/now stands until the score drops this far below its bar
    tolerance_turns: int = Field(2, ge=0)  # how far off a decision may land and still count (bench)
    max_bot_refund: float | None = Field(50.0, ge=0)  # amounts above this need a person
    authority_phrases: list[str] = Field(default_factory=list)  # extra regexes, customer side
    human_phrases: list[str] = Field(default_factory=list)  # extra regexes for "a person, please"
    beyond_bot_labels: list[str] = Field(default_factory=list)  # on top of the taxonomy's marks
    min_issue_confidence: float = Field(0.35, ge=0, le=1)
    repeat_similarity: float = Field(0.72, gt=0, le=1)  # how alike two turns must be to repeat
    recent_turns: int = Field(12, ge=2)  # window for looping and near-resolution evidence
    unavailable_message: str = DEFAULT_UNAVAILABLE
    disabled_message: str = DEFAULT_DISABLED

    @field_validator("weights")
    @classmethod
    def _known_weights(cls, v: dict[str, float]) -> dict[str, float]:
        return _merged("weights", DEFAULT_WEIGHTS, v)

    @field_validator("holds")
    @classmethod
    def _known_holds(cls, v: dict[str, float]) -> dict[str, float]:
        return _merged("holds", DEFAULT_HOLDS, v)

    @model_validator(mode="after")
    def _ordered_thresholds(self) -> EscalationPolicy:
        if self.soon_threshold > self.now_threshold:
            raise ValueError("soon_threshold must not exceed now_threshold")
        return self

    def weight(self, code: str) -> float:
        return self.weights.get(code, 0.0)

    def hold(self, code: str) -> float:
        return self.holds.get(code, 0.0)


DEFAULT_POLICY = EscalationPolicy()


def _merged(field: str, defaults: dict[str, float], given: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(f"unknown {field} {unknown}; known: {sorted(defaults)}")
    if any(w < 0 for w in given.values()):
        raise ValueError(f"{field} must not be negative")
    return {**defaults, **given}


def load_policy(path: Path | str | None) -> EscalationPolicy:
    """The policy from a JSON file, or the defaults when no path is given."""
    if path is None:
        return EscalationPolicy()
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise InvalidArgumentError(f"cannot read escalation policy {path}: {e}; give a JSON object file") from e
    try:
        return EscalationPolicy.model_validate(raw)
    except ValidationError as e:
        raise InvalidArgumentError(f"invalid escalation policy {path}: {e}") from e
