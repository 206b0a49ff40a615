"""Summary scoring as ../shared/data/README.md defines it (TweetSumm).

ROUGE-1/2/L F of a summary against the human abstractive summaries, best
reference per item, rouge-score with stemming. Key-sentence F1 against each
annotator's extractive selection, best annotator: a quoted sentence matches an
annotator's sentence from the same turn when their cleaned word sets overlap by
at least half (Jaccard), one to one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from server.brief.text import clean_text, words

ROUGE_KEYS = ("rouge1", "rouge2", "rougeL")
MATCH_JACCARD = 0.5


@dataclass(frozen=True)
class Quote:
    turn: int  # 0-based turn index, as in the data files
    text: str


def rouge(summary: str, references: Sequence[str], scorer: Any = None) -> dict[str, float]:
    """Best-of-references ROUGE F per key."""
    if scorer is None:
        scorer = make_rouge_scorer()
    best = dict.fromkeys(ROUGE_KEYS, 0.0)
    for reference in references:
        scores = scorer.score(reference, summary)
        for key in ROUGE_KEYS:
            best[key] = max(best[key], scores[key].fmeasure)
    return best


def make_rouge_scorer() -> Any:
    from rouge_score import rouge_scorer  # evaluation-only dependency

    return rouge_scorer.RougeScorer(list(ROUGE_KEYS), use_stemmer=True)


def _matches(a: Quote, b: Quote) -> bool:
    if a.turn != b.turn:
        return False
    left, right = set(words(clean_text(a.text))), set(words(clean_text(b.text)))
    if not left or not right:
        return False
    return len(left & right) / len(left | right) >= MATCH_JACCARD


def _f1(predicted: Sequence[Quote], gold: Sequence[Quote]) -> float:
    unused = list(gold)
    hits = 0
    for quote in predicted:
        match = next((g for g in unused if _matches(quote, g)), None)
        if match is not None:
            unused.remove(match)
            hits += 1
    if not hits:
        return 0.0
    precision, recall = hits / len(predicted), hits / len(gold)
    return 2 * precision * recall / (precision + recall)


def key_sentence_f1(predicted: Sequence[Quote], annotators: Sequence[Sequence[Quote]]) -> float:
    """Best F1 over annotators' extractive selections."""
    return max((_f1(predicted, gold) for gold in annotators if gold), default=0.0)


def lead_baseline(turns: Sequence[tuple[str, str]]) -> str:
    """The peer every summary is read against: the first sentence of the customer's
    first turn and the first sentence of the service side's last turn, cleaned."""
    from server.brief.text import split_sentences

    customer = [text for speaker, text in turns if speaker == "customer"]
    service = [text for speaker, text in turns if speaker == "agent"]
    parts = [split_sentences(clean_text(side[i]))[:1] for side, i in ((customer, 0), (service, -1)) if side]
    return " ".join(sentence for part in parts for sentence in part)
