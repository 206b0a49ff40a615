"""Issue classification with the real embedding model and the packaged taxonomy."""

from __future__ import annotations

import asyncio

import pytest

from server.analysis.embedding import WAKE_PER_ITERATION, BatchingEmbedder
from server.analysis.engine import build_engine
from server.analysis.issue import IssueClassifier
from server.analysis.taxonomy import Label, Taxonomy, load_taxonomy
from server.config import Settings
from server.context.model import ContextPackage, Decision, Outcome, Role, Step, Turn
from tests.conftest import HeldEmbedder


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


async def test_the_label_delay_runs_from_the_oldest_customer_turn_the_label_did_not_reflect(embedder) -> None:
    held = HeldEmbedder(embedder)
    held.gate.set()  # the taxonomy's own embeddings, at start
    engine = build_engine(Settings(), embedder=held)  # type: ignore[arg-type]
    held.gate.clear()
    engine.issue_wait_s = 0  # the turns do not wait for the label: it lands later
    delays: list[tuple[float, str]] = []
    engine.label_delay = lambda seconds, kind: delays.append((seconds, kind))
    package = ContextPackage(conversation_id="delay")
    said = ["My parcel was due on Monday and it still hasn't arrived", "It's order 5521", "Where is it?"]
    for i, text in enumerate(said):  # turn 1's embedding is held; turns 2 and 3 wait behind it, as one
        await engine.analyse(package, [Turn(id=i + 1, role=Role.CUSTOMER, text=text)])
        await asyncio.sleep(0.5)
    held.gate.set()
    await engine.issue_settled("delay", 30)
    assert package.issue.label == "delivery_delay"
    assert [kind for _, kind in delays] == ["first", "update"]  # turn 1's text, then the newest (turns 1-3)
    (one, _), (two, _) = delays
    assert one >= 1.5  # turn 1 came 1.5 s before the gate opened
    assert 1.0 <= two < one  # from turn 2, the oldest the first label did not reflect; not from turn 3 (0.5 s)


async def test_a_label_applied_at_once_has_a_short_delay(embedder) -> None:
    engine = build_engine(Settings(), embedder=embedder)
    engine.issue_wait_s = None  # the turn waits for its label
    delays: list[tuple[float, str]] = []
    engine.label_delay = lambda seconds, kind: delays.append((seconds, kind))
    package = ContextPackage(conversation_id="now")
    await engine.analyse(package, [Turn(id=1, role=Role.CUSTOMER, text="I forgot my password and the reset email never came")])
    assert package.issue.label == "account_access"
    assert len(delays) == 1 and 0 <= delays[0][0] < 30 and delays[0][1] == "first"
    await engine.analyse(package, [Turn(id=2, role=Role.BOT, text="Let me help with that.")])
    assert len(delays) == 1  # a bot turn asks for no label


async def labelled_then_held(embedder, **said: str):  # type: ignore[no-untyped-def]
    """An engine embedding one text at a time (so the order texts are embedded in is the queues'),
    each of ``said``'s conversations labelled from its first customer turn, then the model held:
    turns analysed from now queue their texts and do not wait for them."""
    held = HeldEmbedder(embedder)
    held.gate.set()
    engine = build_engine(Settings(), embedder=held)  # type: ignore[arg-type]
    engine.embedder = BatchingEmbedder(held, max_batch=1)  # type: ignore[arg-type]
    engine.issue_wait_s = None
    packages = {cid: ContextPackage(conversation_id=cid) for cid in said}
    for cid, text in said.items():
        await engine.analyse(packages[cid], [Turn(id=1, role=Role.CUSTOMER, text=text)])
    engine.issue_wait_s = 0
    held.gate.clear()
    held.texts.clear()
    return engine, held, packages


async def test_a_conversation_without_a_label_is_embedded_before_labels_are_updated(embedder) -> None:
    engine, held, packages = await labelled_then_held(embedder, labelled="The blender arrived with a cracked jug")
    labelled = packages["labelled"]
    assert labelled.issue.label == "damaged_item"
    order: list[str] = []
    engine.label_delay = lambda seconds, kind: order.append(kind)
    busy = ContextPackage(conversation_id="busy")
    await engine.analyse(busy, [Turn(id=1, role=Role.CUSTOMER, text="I was charged twice for my order")])  # held
    await engine.analyse(labelled, [Turn(id=2, role=Role.CUSTOMER, text="And the lid is missing too")])
    new = ContextPackage(conversation_id="new")
    await engine.analyse(new, [Turn(id=1, role=Role.CUSTOMER, text="I forgot my password and the reset email never came")])
    held.gate.set()
    for cid in ("busy", "labelled", "new"):
        await engine.issue_settled(cid, 30)
    assert order == ["first", "first", "update"]  # "new" asked after "labelled" and went before it
    assert new.issue.label == "account_access" and labelled.issue.label == "damaged_item"


async def test_a_conversation_on_its_way_to_a_person_is_relabelled_before_others_after_first_labels(embedder) -> None:
    engine, held, packages = await labelled_then_held(
        embedder, early="The blender arrived with a cracked jug", late="My parcel was due on Monday and it still hasn't arrived")
    early, late = packages["early"], packages["late"]
    assert late.escalation.decision is Decision.CONTINUE
    kinds: list[str] = []
    engine.label_delay = lambda seconds, kind: kinds.append(kind)
    busy = ContextPackage(conversation_id="busy")
    await engine.analyse(busy, [Turn(id=1, role=Role.CUSTOMER, text="I forgot my password and the reset email never came")])
    await engine.analyse(early, [Turn(id=2, role=Role.CUSTOMER, text="And the lid is missing too")])
    new = ContextPackage(conversation_id="new")
    await engine.analyse(new, [Turn(id=1, role=Role.CUSTOMER, text="I was charged twice for my order")])
    await engine.analyse(late, [Turn(id=2, role=Role.CUSTOMER, text="I want to speak to a person now, put me through to an agent")])
    assert late.escalation.decision is not Decision.CONTINUE  # the turn that sends it to a person hurries its label
    held.gate.set()
    for cid in ("busy", "early", "new", "late"):
        await engine.issue_settled(cid, 30)
    assert kinds == ["first", "first", "escalating", "update"]  # "late" asked last, went before "early"
    assert [text.split()[-1] for text in held.texts] == ["came", "order", "agent", "too"]


async def test_a_hurried_label_goes_first_and_so_does_the_next_until_it_reflects_every_turn(embedder) -> None:
    engine, held, packages = await labelled_then_held(
        embedder, other="The blender arrived with a cracked jug", moving="My parcel was due on Monday and it still hasn't arrived")
    other, moving = packages["other"], packages["moving"]
    kinds: list[str] = []
    busy = ContextPackage(conversation_id="busy")
    await engine.analyse(busy, [Turn(id=1, role=Role.CUSTOMER, text="I forgot my password and the reset email never came")])
    await engine.analyse(other, [Turn(id=2, role=Role.CUSTOMER, text="And the lid is missing too")])
    await engine.analyse(moving, [Turn(id=2, role=Role.CUSTOMER, text="It's order 5521")])
    await asyncio.sleep(0.05)  # both queued, "moving" after "other"
    await engine.analyse(moving, [Turn(id=3, role=Role.CUSTOMER, text="Where is it?")])  # waits for turn 2's
    engine.label_delay = lambda seconds, kind: kinds.append(kind)
    engine.hurry("moving")  # as a transfer does
    held.gate.set()
    for cid in ("busy", "moving", "other"):
        await engine.issue_settled(cid, 30)
    assert [text.split()[-1] for text in held.texts] == ["came", "5521", "it?", "too"]  # turn 2's once: promoted
    assert kinds == ["first", "escalating", "escalating", "update"]
    assert moving.issue.label == "delivery_delay"


async def test_a_landed_batch_wakes_its_waiters_a_few_at_a_time_with_other_tasks_between(embedder) -> None:
    batching = BatchingEmbedder(embedder, max_batch=64)
    ran: list[str] = []

    async def waiter(i: int) -> None:
        await batching.submit(f"my order number {i} has not arrived")
        ran.append("w")

    async def other_calls() -> None:
        while True:
            ran.append("-")
            await asyncio.sleep(0)

    others = asyncio.create_task(other_calls())
    await asyncio.gather(*(waiter(i) for i in range(32)))  # one batch of 32
    others.cancel()
    with pytest.raises(asyncio.CancelledError):
        await others
    assert ran.count("w") == 32
    assert max(len(run) for run in "".join(ran).split("-")) <= WAKE_PER_ITERATION
