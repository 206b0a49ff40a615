"""The issue type: embedding similarity between what the customer said and the taxonomy.

Each label is represented twice: its title alone, and its title with its
description; a conversation's score for a label is the sum of both cosine
similarities with the customer's turns so far. Confidence is the softmax share
of the best label; complexity starts from the label's and rises with failed
steps and repeat contacts. The embedding itself is computed by the caller
(batched across conversations), hence ``query_text`` / ``apply``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from server.analysis.embedding import Embedder
from server.analysis.injection import addresses_model
from server.analysis.sentences import split_sentences
from server.analysis.taxonomy import Taxonomy
from server.context.model import ContextPackage, Issue, Outcome, Role
from server.privacy.text_caches import text_cache

TEMPERATURE = 0.05  # softmax temperature over summed cosine scores
PROCEDURE_WEIGHT = 0.08  # how much the steps already taken count, against a label's declared procedure
MAX_QUERY_CHARS = 2000
OPENING_MIN_WORDS = 6  # a greeting ("hi there") is not a problem statement
LEVELS = ("low", "medium", "high")


@text_cache(maxsize=65536)
def about_the_issue(text: str) -> str:
    """A customer turn without what talks to the model and without sentences said over and over
    (padding): neither says what the issue is, and both would drown what does."""
    kept: list[str] = []
    for sentence in split_sentences(text):
        if sentence not in kept and not addresses_model(sentence):
            kept.append(sentence)
    return " ".join(kept)


class IssueClassifier:
    def __init__(self, taxonomy: Taxonomy, embedder: Embedder) -> None:
        self.taxonomy = taxonomy
        self.embedder = embedder
        labels = taxonomy.labels
        titles = [label.title or label.name.replace("_", " ") for label in labels]
        described = [
            f"{title}. {label.description} {' '.join(label.examples)}" for title, label in zip(titles, labels, strict=True)
        ]
        self._titles = embedder.embed(titles)
        self._described = embedder.embed(described)
        self._procedures = [frozenset(label.required_actions) for label in labels]

    def query_text(self, package: ContextPackage) -> str:
        """The customer's turns, with their first real problem statement said twice:
        what a conversation is about is usually stated early, whatever it turns into."""
        said = [text for t in package.transcript if t.role == Role.CUSTOMER if (text := about_the_issue(t.text))]
        opening = next((text for text in said if len(text.split()) >= OPENING_MIN_WORDS), "")
        return " ".join([opening, *said]).strip()[:MAX_QUERY_CHARS]

    def scores(self, vector: np.ndarray) -> np.ndarray:
        return self._titles @ vector + self._described @ vector  # type: ignore[no-any-return]

    def procedure_fit(self, package: ContextPackage) -> np.ndarray:
        """Per label: the share of the steps taken that its procedure has, less the share it lacks.
        The bot follows the deployment's procedure for the issue it is handling, so its actions are
        evidence; with no declared procedures every label scores the same and nothing changes."""
        taken = {step.name for step in package.steps}
        if not taken:
            return np.zeros(len(self._procedures))
        return np.array([(2 * len(taken & p) - len(taken)) / len(taken) for p in self._procedures])

    def apply(self, package: ContextPackage, vector: np.ndarray) -> None:
        scores = self.scores(vector) + PROCEDURE_WEIGHT * self.procedure_fit(package)
        weights = np.exp((scores - scores.max()) / TEMPERATURE)
        weights /= weights.sum()
        order = np.argsort(-weights)
        best = self.taxonomy.labels[int(order[0])]
        package.issue = Issue(
            label=best.name, group=best.group, confidence=round(float(weights[order[0]]), 3),
            complexity=_complexity(best.complexity, package),
            turn_ids=[t.id for t in package.transcript if t.role == Role.CUSTOMER][:3],
            alternatives=[(self.taxonomy.labels[int(i)].name, round(float(weights[i]), 3)) for i in order[1:4]],
        )

    def classify(self, package: ContextPackage) -> None:
        text = self.query_text(package)
        if text:
            self.apply(package, self.embedder.embed([text])[0])


def _complexity(base: str, package: ContextPackage) -> str:
    level = LEVELS.index(base) if base in LEVELS else 1
    failed = sum(1 for step in package.steps if step.outcome == Outcome.FAILED)
    if failed >= 2 or len(package.prior_contacts) >= 2:
        level += 1
    return LEVELS[min(level, len(LEVELS) - 1)]


def top_labels(classifier: IssueClassifier, texts: Sequence[str]) -> list[str]:
    """The best label for each text: a convenience for evaluation scripts."""
    vectors = classifier.embedder.embed(list(texts))
    return [classifier.taxonomy.labels[int(np.argmax(classifier.scores(v)))].name for v in vectors]
