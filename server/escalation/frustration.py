"""The customer's frustration as escalation sees it: how high, rising or not, about what.

The sentiment analyser's trajectory is used when it is there; without it a crude
reading from cue words keeps escalation working (degraded, not blind).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.analysis.folded import Folded
from server.context.model import ContextPackage
from server.escalation import cues
from server.escalation.policy import DEFAULT_POLICY
from server.escalation.scan import Scan, scan_of

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


def read_frustration(package: ContextPackage, scan: Scan | None = None) -> Frustration:
    s = package.sentiment
    if s.points:
        hot = [p.turn_id for p in s.points[-4:] if p.frustration >= 0.3]
        target = s.target if s.target != "none" else s.points[-1].target
        return Frustration(s.current_frustration, s.trend == "rising_frustration", target, hot, True)
    return _from_cues(scan or scan_of(package, DEFAULT_POLICY))


def _from_cues(scan: Scan) -> Frustration:
    levels = scan.cued_frustration()
    if not levels:
        return Frustration()
    hot = [t for t, v in levels if v >= 0.3]
    rising = _rising([v for _, v in levels])
    return Frustration(levels[-1][1], rising, _target([t.text for t in hot]), [t.id for t in hot])


def _rising(levels: list[float]) -> bool:
    """A trend needs two frustrated turns, the later one higher (or as high and still hot)."""
    if len(levels) < 2:
        return False
    before, now = levels[-2], levels[-1]
    return before >= 0.2 and now >= 0.3 and now >= before


def _target(texts: list[str]) -> str:
    if not texts:
        return "none"
    if any(_AT_BOT.search(x) for x in texts):
        return "bot"
    return "delay" if cues.about_delay(texts[-1]) else "none"
