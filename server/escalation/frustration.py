"""The customer's frustration as escalation sees it: how high, rising or not, about what.

The sentiment analyser's trajectory is used when it is there; without it a crude
reading from cue words keeps escalation working (degraded, not blind).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from server.analysis.folded import Folded
from server.context.model import ContextPackage, Role
from server.escalation import cues

CARRY = 0.6  # how much of the last turn's frustration lingers into the next
_AT_BOT = Folded(
    r"\b(?:you(?:'re| are)? (?:not|useless|a bot|a robot)|this bot|not listening|already (?:told|said|gave)|"
    r"you keep|stop asking|same (?:question|thing)|makes no sense|doesn'?t understand)\b",
)


@dataclass(frozen=True)
class Frustration:
    level: float = 0.0
    rising: bool = False
    target: str = "none"  # none | bot | delay | product
    turn_ids: list[int] = field(default_factory=list)
    from_sentiment: bool = False


def read_frustration(package: ContextPackage) -> Frustration:
    s = package.sentiment
    if s.points:
        hot = [p.turn_id for p in s.points[-4:] if p.frustration >= 0.3]
        target = s.target if s.target != "none" else s.points[-1].target
        return Frustration(s.current_frustration, s.trend == "rising_frustration", target, hot, True)
    return _from_cues(package)


def _from_cues(package: ContextPackage) -> Frustration:
    levels: list[tuple[int, float]] = []
    level = 0.0
    for t in package.transcript:
        if t.role is Role.CUSTOMER:
            level = max(t.once(cues.frustration_cue), CARRY * level)
            levels.append((t.id, level))
    if not levels:
        return Frustration()
    hot = [i for i, v in levels[-4:] if v >= 0.3]
    return Frustration(levels[-1][1], _rising([v for _, v in levels]), _target(package, hot), hot)


def _rising(levels: list[float]) -> bool:
    """A trend needs two frustrated turns, the later one higher (or as high and still hot)."""
    if len(levels) < 2:
        return False
    before, now = levels[-2], levels[-1]
    return before >= 0.2 and now >= 0.3 and now >= before


def _target(package: ContextPackage, hot: list[int]) -> str:
    texts = [t.text for t in package.transcript if t.id in set(hot)]
    if not texts:
        return "none"
    if any(_AT_BOT.search(x) for x in texts):
        return "bot"
    return "delay" if cues.about_delay(texts[-1]) else "none"
