"""Sentiment per customer turn, and as a trajectory: trend, peak, recovery, and what it is about.

A lexicon reads the words (with negation and intensifiers); contact-centre cues
read what lexicons miss: the customer repeating themselves, "this is the third
time", asking for a person, capitals, complaints about waiting, sarcasm.
Frustration is attributed to a target, because escalation treats anger at a
late parcel (a person would not make it come sooner) differently from anger at
the bot itself (a person is the fix).
"""

from __future__ import annotations

import logging
import re

from server.analysis import sentiment_lexicon as lex
from server.analysis.folded import Folded
from server.context.model import ContextPackage, Role, Sentiment, SentimentPoint, Turn
from server.privacy.text_caches import text_cache

logger = logging.getLogger(__name__)

WINDOW = 6  # customer turns in the rolling window (trend slope, current frustration, target)
DECAY = 0.5  # weight of each older turn relative to the next one in current frustration
TREND_SLOPE = 0.04  # frustration per customer turn that counts as a trend
MIN_TREND_POINTS = 3  # customer turns before a trend is read: one jump between two turns is not a trend
REPEAT_JACCARD = 0.6  # token-set overlap with an earlier customer turn that counts as repeating oneself
REPEAT_LOOKBACK = 12  # earlier customer turns compared for repetition (bounds the cost on long chats)
BOT_LOOKBACK = 6  # earlier bot turns compared when checking whether the bot repeats itself
HOT = 0.2  # frustration below this has no target
BOT_WEIGHT = 2.0  # anger at the bot outweighs other targets in the window: it is what a person fixes

# How much each signal adds to frustration (0..1) and where it points ("" = no target of its own).
SIGNALS: dict[str, tuple[float, str]] = {
    "asks_for_human": (0.45, "bot"),
    "at_bot": (0.45, "bot"),
    "repetition": (0.35, "bot"),
    "broken_promise": (0.35, "delay"),  # what was promised has not happened yet
    "repeat_contact": (0.35, ""),
    "waiting_complaint": (0.3, "delay"),
    "waiting_mention": (0.1, "delay"),
    "bot_repeating": (0.15, "bot"),
    "product_problem": (0.15, "product"),
    "profanity": (0.3, ""),
    "sarcasm": (0.3, ""),
    "capitals": (0.2, ""),
    "exclamations": (0.1, ""),
}
# Signs that amplify what is there but are no complaint of their own.
AMPLIFIERS = frozenset({"capitals", "exclamations", "waiting_mention", "bot_repeating"})
_CUES: tuple[tuple[str, Folded], ...] = (
    ("asks_for_human", lex.ASKS_FOR_HUMAN), ("at_bot", lex.AT_BOT), ("repetition", lex.REPEATING),
    ("repeat_contact", lex.REPEAT_CONTACT), ("broken_promise", lex.BROKEN_PROMISE), ("waiting_complaint", lex.WAITING),
    ("product_problem", lex.PRODUCT), ("profanity", lex.PROFANITY), ("sarcasm", lex.SARCASM),
    ("waiting_mention", lex.WAITING_MENTION),
)
_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|[.,;!?]")
_WORD = re.compile(r"[A-Za-z0-9]+")
_HANDLES_AND_LINKS = re.compile(r"[@#]\w+|https?://\S+")
_HANDLES = re.compile(r"@\w+|https?://\S+")  # hashtags stay for the lexicon: "#disappointed"
_CAPS = re.compile(r"\b[A-Z]{3,}\b")
_EMOJI = re.compile("|".join(re.escape(e) for e in sorted(lex.EMOJI, key=len, reverse=True)))


class SentimentAnalyser:
    """Per-turn analyser: a SentimentPoint for each customer turn, and the trajectory over them."""

    def __call__(self, package: ContextPackage, turn: Turn) -> None:
        self.update(package, turn)

    def update(self, package: ContextPackage, turn: Turn) -> None:
        if turn.role is not Role.CUSTOMER or not turn.text.strip():
            return
        earlier = _last_texts(package.transcript, Role.CUSTOMER, turn.id, REPEAT_LOOKBACK)
        point = score_turn(turn, earlier, bot_repeated(package.transcript, turn.id))
        package.sentiment = trajectory(package.sentiment, point)
        logger.debug("sentiment at turn %d: frustration %.2f at %s", turn.id, point.frustration, point.target)


def score_turn(turn: Turn, earlier_customer_texts: list[str], after_bot_repeat: bool = False) -> SentimentPoint:
    """Score, frustration, signals and target of one customer turn.

    ``after_bot_repeat``: the bot's last turn nearly repeated an earlier one.
    """
    text = turn.text.replace("\u2019", "'")
    signals = cue_signals(text, earlier_customer_texts)
    if after_bot_repeat:
        signals.append("bot_repeating")
    valence = word_valence(text)
    if "sarcasm" in signals:
        valence = -abs(valence)  # "great, just great" praises nothing
    if valence <= -0.1:
        signals.insert(0, "negative_words")
    if "sarcasm" not in signals and (lex.THANKS.search(text) or lex.RESOLVED.search(text)):
        signals.append("thanks")
    boost = min(1.0, sum(SIGNALS[s][0] for s in signals if s in SIGNALS and _counts(s, signals, valence)))
    frustration = 0.0 if _settled(signals, valence) else min(1.0, 0.8 * max(0.0, -valence) + boost)
    score = max(-1.0, min(1.0, valence - 0.6 * boost))
    return SentimentPoint(turn_id=turn.id, score=round(score, 3), frustration=round(frustration, 3),
                          target=_target(signals, frustration), signals=signals)


def _counts(signal: str, signals: list[str], valence: float) -> bool:
    """Capitals and exclamations amplify what is there: alone over positive words they are delight, not anger."""
    return signal not in AMPLIFIERS or valence <= 0 or any(s in SIGNALS and s not in AMPLIFIERS for s in signals)


def _settled(signals: list[str], valence: float) -> bool:
    """Thanks with nothing against it: no frustration left in this turn."""
    return "thanks" in signals and valence >= 0 and not any(s in SIGNALS and s not in AMPLIFIERS for s in signals)


def word_valence(text: str) -> float:
    """-1..1 from the lexicon: negation flips (and dampens) within a clause, intensifiers scale."""
    text = _HANDLES.sub(" ", text)
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    values = [lex.EMOJI[e] for e in _EMOJI.findall(text)]
    values += [value for pattern, value in lex.PHRASES if pattern.search(text)]
    for i, token in enumerate(tokens):
        value = lex.VALENCE.get(token)
        if value is None:
            continue
        scope = _clause_before(tokens, i)
        if token in lex.OUTCOMES and any(w in lex.REQUEST_CONTEXT for w in _clause_before(tokens, i, 5)):
            continue
        if any(w in lex.NEGATIONS for w in scope):
            value = -0.75 * value if value > 0 else -0.5 * value  # "not happy" is unhappy, "not bad" only mild
        if scope:
            value *= lex.INTENSIFIERS.get(scope[-1], 1.0)
        values.append(value)
    if not values:
        return 0.0
    return max(-1.0, min(1.0, sum(values) / (len(values) ** 0.5) / 1.5))


def _clause_before(tokens: list[str], i: int, reach: int = 3) -> list[str]:
    """Up to ``reach`` words before token i, not reaching back past a clause break."""
    scope: list[str] = []
    for token in reversed(tokens[max(0, i - reach) : i]):
        if token in lex.CLAUSE_BREAKS:
            break
        scope.insert(0, token)
    return scope


def cue_signals(text: str, earlier: list[str]) -> list[str]:
    """The contact-centre cues a lexicon misses, as signal codes."""
    found = [name for name, pattern in _CUES if pattern.search(text)]
    if "repetition" not in found and repeats(text, earlier):
        found.append("repetition")
    if "at_bot" in found and "asks_for_human" in found:
        found.remove("at_bot")  # one complaint about the bot, not two
    if "waiting_mention" in found and ("waiting_complaint" in found or "broken_promise" in found):
        found.remove("waiting_mention")
    if shouting(text):
        found.append("capitals")
    if text.count("!") >= 2 or "?!" in text or "!?" in text or "??" in text:
        found.append("exclamations")
    return found


def clear_caches() -> None:
    """Forgets the token sets of earlier turns (for benchmarks that want a cold start)."""
    _token_set.cache_clear()


@text_cache(maxsize=4096)  # each earlier turn is compared again on every later turn
def _token_set(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(_HANDLES_AND_LINKS.sub(" ", text)) if len(w) > 2)


def repeats(text: str, earlier: list[str], minimum: int = 4) -> bool:
    """``text`` says nearly what one of ``earlier`` said (token-set Jaccard)."""
    mine = _token_set(text)
    if len(mine) < minimum:
        return False
    for other in earlier:
        theirs = _token_set(other)
        if theirs and len(mine & theirs) / len(mine | theirs) >= REPEAT_JACCARD:
            return True
    return False


def shouting(text: str) -> bool:
    """Ordinary words written in capitals; codes and acronyms ("UPS", "MSY", "ID") are no shouting."""
    caps = [w.lower() for w in _CAPS.findall(_HANDLES_AND_LINKS.sub(" ", text)) if w not in lex.ACRONYMS]
    words = [w for w in caps if w in lex.EMPHATIC or w in lex.VALENCE or w in lex.NEGATIONS]
    if len(words) >= 2 or (len(caps) >= 3 and words):
        return True  # "WHERE IS MY ORDER", "STILL NOT FIXED"
    if any(w in lex.VALENCE or w in lex.EMPHASIS for w in words):
        return True  # one loaded word: "this is USELESS", "it's STILL broken"
    return bool(words) and (len(text.split()) <= 4 or len(caps) >= 2)


def bot_repeated(transcript: list[Turn], before_id: int) -> bool:
    """The bot's last turn before ``before_id`` nearly repeats one of its recent earlier turns."""
    bot = _last_texts(transcript, Role.BOT, before_id, BOT_LOOKBACK + 1)
    return len(bot) >= 2 and repeats(bot[-1], bot[:-1], minimum=5)


def _last_texts(transcript: list[Turn], role: Role, before_id: int, count: int) -> list[str]:
    """The texts of the last ``count`` ``role`` turns before turn ``before_id``, oldest first: read
    from the end of the transcript, so a turn's cost does not grow with the conversation."""
    texts: list[str] = []
    for t in reversed(transcript):
        if t.role is role and t.id < before_id:
            texts.append(t.text)
            if len(texts) == count:
                break
    texts.reverse()
    return texts


def _target(signals: list[str], frustration: float) -> str:
    if frustration < HOT:
        return "none"
    weights: dict[str, float] = {}
    for signal in signals:
        weight, target = SIGNALS.get(signal, (0.0, ""))
        if target:
            weights[target] = weights.get(target, 0.0) + weight
    if not weights:
        return "none"
    return max(weights, key=lambda t: (weights[t], t == "bot"))


def trajectory(before: Sentiment, point: SentimentPoint) -> Sentiment:
    """The trajectory with one more point: trend, recent-weighted current level, peak, recovery, target."""
    points = [*before.points, point]
    recent = points[-WINDOW:]
    weights = [DECAY ** (len(recent) - 1 - i) for i in range(len(recent))]
    current = sum(w * p.frustration for w, p in zip(weights, recent, strict=True)) / sum(weights)
    peak_level, peak_id = before.peak_frustration, before.peak_turn_id
    if peak_id is None or point.frustration > peak_level:
        peak_level, peak_id = point.frustration, point.turn_id
    slope = _slope([p.frustration for p in recent]) if len(recent) >= MIN_TREND_POINTS else 0.0
    trend = "rising_frustration" if slope > TREND_SLOPE else "falling_frustration" if slope < -TREND_SLOPE else "flat"
    recovered = (peak_level >= 0.5 and peak_id != point.turn_id and current <= peak_level - 0.3
                 and point.frustration < HOT)
    target = _window_target(recent, weights) if current >= HOT else "none"
    return Sentiment(points=points, trend=trend, current_frustration=round(current, 3), peak_frustration=peak_level,
                     peak_turn_id=peak_id, recovered=recovered, target=target)


def _window_target(recent: list[SentimentPoint], weights: list[float]) -> str:
    """What the recent frustration is about: recency x frustration, anger at the bot weighing double."""
    votes: dict[str, float] = {}
    for weight, p in zip(weights, recent, strict=True):
        if p.target != "none":
            bias = BOT_WEIGHT if p.target == "bot" else 1.0
            votes[p.target] = votes.get(p.target, 0.0) + weight * p.frustration * bias
    return max(votes, key=lambda t: votes[t]) if votes else "none"


def _slope(values: list[float]) -> float:
    """Least-squares slope of frustration per customer turn."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den
