"""Issue classification with the real embedding model and the packaged taxonomy."""

from __future__ import annotations

import pytest

from server.analysis.issue import IssueClassifier
from server.analysis.taxonomy import Label, Taxonomy, load_taxonomy
from server.context.model import ContextPackage, Outcome, Role, Step, Turn


@pytest.fixture(scope="module")
def classifier(embedder) -> IssueClassifier:
    return IssueClassifier(load_taxonomy(None), embedder)


def package_saying(*texts: str) -> ContextPackage:
    turns = [Turn(id=i + 1, role=Role.CUSTOMER, text=text) for i, text in enumerate(texts)]
    return ContextPackage(conversation_id="t", transcript=turns)


@pytest.mark.parametrize(
    ("said", "label"),
    [
        ("My parcel was due on Monday and it still hasn't arrived, where is it?", "delivery_delay"),
        ("I forgot my password and the reset email never came", "account_access"),
        ("I was charged twice for the same order on my card statement", "billing_dispute"),
        ("The blender arrived with a cracked jug", "damaged_item"),
    ],
)
def test_customer_text_gets_the_matching_label(classifier: IssueClassifier, said: str, label: str) -> None:
    package = package_saying(said)
    classifier.classify(package)
    assert package.issue.label == label
    assert 0 < package.issue.confidence <= 1 and package.issue.turn_ids == [1]
    assert label not in [name for name, _ in package.issue.alternatives]


def test_the_opening_problem_outweighs_a_late_aside(classifier: IssueClassifier) -> None:
    package = package_saying("Hi", "My order 4411 still hasn't arrived and it was due last week", "ok thanks")
    classifier.classify(package)
    assert package.issue.label == "delivery_delay"


def test_steps_taken_count_towards_the_label_whose_procedure_has_them(embedder) -> None:
    labels = [
        Label(name="a", description="A question about an order", required_actions=["look-up-order"]),
        Label(name="b", description="A question about an order", required_actions=["reset-password"]),
    ]
    classifier = IssueClassifier(Taxonomy(labels=labels), embedder)
    package = package_saying("I have a question about my order")
    package.steps = [Step(name="reset-password", outcome=Outcome.SUCCEEDED, turn_ids=[1])]
    classifier.classify(package)
    assert package.issue.label == "b"


def test_complexity_rises_with_failed_steps(classifier: IssueClassifier) -> None:
    package = package_saying("I forgot my password")
    classifier.classify(package)
    calm = package.issue.complexity
    package.steps = [Step(name="send-reset-link", outcome=Outcome.FAILED, turn_ids=[1])] * 2
    classifier.classify(package)
    assert ["low", "medium", "high"].index(package.issue.complexity) > ["low", "medium", "high"].index(calm)
