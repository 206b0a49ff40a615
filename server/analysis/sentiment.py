"""Sentiment per customer turn, and as a trajectory: trend, peak, recovery, and what it is about.

A lexicon reads the words; contact-centre signals read what lexicons miss:
the customer repeating themselves, "this is the third time", asking for a
person, capitals, complaints about waiting. Frustration is attributed to a
target, because escalation treats anger at a late parcel (the bot may be
handling it) differently from anger at the bot itself.
"""

from __future__ import annotations

import re

from server.analysis import sentiment_lexicon as lex
from server.context.model import ContextPackage, Role, Sentiment, SentimentPoint, Turn

WINDOW = 6  # customer turns in the rolling window for current frustration (as Dynamics' last six messages)
TREND_WINDOW = 4  # customer turns the trend's slope is read over
REPEAT_JACCARD = 0.6
_WORD = re.compile(r"[A-Za-z']+")

# How much each signal adds to frustration (0..1) and where it points.
SIGNALS: dict[str, tuple[float, str]] = {
    "asks_for_human": (0.45, "bot"),
    "at_bot": (0.45, "bot"),
    "repetition": (0.35, "bot"),
    "repeat_contact": (0.35, "delay"),
    "broken_promise": (0.35, "bot"),
    "waiting_complaint": (0.3, "delay"),
    "product_problem": (0.15, "product"),
    "capitals": (0.2, ""),
    "exclamations": (0.1, ""),
    "profanity": (0.3, ""),
    "sarcasm": (0.3, ""),
}


class SentimentAnalyser:
    def update(self, package: ContextPackage, turn: Turn) -> None:
        if turn.role != Role.CUSTOMER or not turn.text.strip():
            return
        earlier = [t.text for t in package.transcript if t.role == Role.CUSTOMER and t.id < turn.id]
        point = score_turn(turn, earlier)
        package.sentiment = trajectory([*package.sentiment.points, point])


def score_turn(turn: Turn, earlier_customer_texts: list[str]) -> SentimentPoint:
    text = turn.text
    valence = _valence(text)
    signals = _signals(text, earlier_customer_texts)
    if valence < -0.05:
        signals.insert(0, "negative_words")
    resolved = bool(lex.RESOLVED.search(text))
    if resolved or (valence > 0.3 and "thanks" not in signals and any(w in text.lower() for w in ("thank", "thx"))):
        signals.append("thanks")
    boost = sum(SIGNALS[s][0] for s in signals if s in SIGNALS)
    frustration = max(0.0, -valence) * 0.8 + boost
    if "thanks" in signals and boost == 0:
        frustration = 0.0
    frustration = round(min(1.0, frustration), 3)
    score = round(max(-1.0, min(1.0, valence - 0.6 * min(boost, 1.0))), 3)
    return SentimentPoint(turn_id=turn.id, score=score, frustration=frustration, target=_target(signals, frustration),
                          signals=signals)


def _valence(text: str) -> float:
    words = [w.lower().strip("'") for w in _WORD.findall(text)]
    total, hits = 0.0, 0
    for i, word in enumerate(words):
        value = lex.VALENCE.get(word)
        if value is None:
            continue
        window = words[max(0, i - 3) : i]
        if any(w in lex.NEGATIONS for w in window):
            value = -0.6 * value
        for w in window[-1:]:
            value *= lex.INTENSIFIERS.get(w, 1.0)
        total += value
        hits += 1
    if not hits:
        return 0.0
    return max(-1.0, min(1.0, total / (hits ** 0.5) / 1.5))


def _signals(text: str, earlier: list[str]) -> list[str]:
    found = []
    checks = (
        ("asks_for_human", lex.ASKS_FOR_HUMAN), ("at_bot", lex.AT_BOT), ("repeat_contact", lex.REPEAT_CONTACT),
        ("broken_promise", lex.BROKEN_PROMISE),
        ("waiting_complaint", lex.WAITING), ("product_problem", lex.PRODUCT), ("profanity", lex.PROFANITY),
        ("sarcasm", lex.SARCASM),
    )
    for name, pattern in checks:
        if pattern.search(text):
            found.append(name)
    if _repeats(text, earlier):
        found.append("repetition")
    if _shouting(text):
        found.append("capitals")
    if text.count("!") >= 2 or "?!" in text:
        found.append("exclamations")
    return found


def _repeats(text: str, earlier: list[str]) -> bool:
    mine = {w.lower() for w in _WORD.findall(text) if len(w) > 2}
    if len(mine) < 4:
        return False
    for other in earlier:
        theirs = {w.lower() for w in _WORD.findall(other) if len(w) > 2}
        if theirs and len(mine & theirs) / len(mine | theirs) >= REPEAT_JACCARD:
            return True
    return False


def _shouting(text: str) -> bool:
    caps = [w for w in re.findall(r"\b[A-Z]{3,}\b", text) if w not in lex.ACRONYMS]
    return len(caps) >= 2 or (len(caps) == 1 and len(text.split()) <= 3)


def _target(signals: list[str], frustration: float) -> str:
    if frustration < 0.2:
        return "none"
    weights: dict[str, float] = {}
    for signal in signals:
        weight, target = SIGNALS.get(signal, (0.0, ""))
        if target:
            weights[target] = weights.get(target, 0.0) + weight
    if not weights:
        return "none"
    return max(weights, key=lambda t: (weights[t], t == "bot"))


def trajectory(points: list[SentimentPoint]) -> Sentiment:
    recent = points[-WINDOW:]
    weights = [0.5 ** (len(recent) - 1 - i) for i in range(len(recent))]
    current = sum(w * p.frustration for w, p in zip(weights, recent, strict=True)) / sum(weights)
    peak = max(points, key=lambda p: p.frustration)
    slope = _slope([p.frustration for p in recent[-TREND_WINDOW:]])
    trend = "rising_frustration" if slope > 0.05 else "falling_frustration" if slope < -0.05 else "flat"
    recovered = peak.frustration >= 0.5 and current <= peak.frustration - 0.35 and points[-1].frustration < 0.2
    target = next((p.target for p in reversed(recent) if p.target != "none"), "none") if current >= 0.2 else "none"
    return Sentiment(points=points, trend=trend, current_frustration=round(current, 3),
                     peak_frustration=peak.frustration, peak_turn_id=peak.turn_id, recovered=recovered, target=target)


def _slope(values: list[float]) -> float:
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den
