"""The analysis engine: every analyser, in order, for a conversation's new turns.

Rule-based analysers run inline (well under a millisecond a turn); the issue
classifier's embedding is batched across conversations and run off the event
loop; escalation is judged last, on the updated package. ``analyzed_through_turn``
moves only when all of that is done, so a package never claims a turn it has
not fully reflected.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from server.analysis.embedding import FIRST, LATER, URGENT
from server.config import Settings
from server.context.external import external_facts
from server.context.model import ContextPackage, Decision, Escalation, Role, Turn
from server.escalation import EscalationPolicy, EscalationStep, load_policy
from server.privacy.package import redact_turn_items
from server.privacy.redact import NO_REDACTION, Redactor

if TYPE_CHECKING:
    from server.analysis.embedding import BatchingEmbedder, Embedder
    from server.analysis.issue import IssueClassifier
    from server.analysis.taxonomy import Taxonomy

logger = logging.getLogger(__name__)

TurnAnalyser = Callable[[ContextPackage, Turn], None]
LABEL_KINDS = {FIRST: "first", URGENT: "escalating", LATER: "update"}  # the label-delay hook's kind, by queue
MAX_BACKLOG_TO_WAIT = 8  # texts queued for embedding beyond which a transfer does not wait for a label
Prepare = Callable[[ContextPackage, Escalation], None]


@dataclass
class Engine:
    turn_analysers: Sequence[TurnAnalyser] = ()
    classifier: IssueClassifier | None = None
    embedder: BatchingEmbedder | None = None
    escalation: EscalationStep = field(default_factory=EscalationStep)
    taxonomy: Taxonomy | None = None
    # How long a turn's analysis waits for the (batched) issue embedding. None waits for it
    # (evaluation); the server waits briefly and applies a late result when it lands.
    issue_wait_s: float | None = None
    # (conversation, rerun): a late label landed; rerun=False when the package steps would
    # decide exactly as before (only the confidence or alternatives of a label that no
    # escalation signal reads by confidence moved): the package is saved, not re-run
    on_late_issue: Callable[[str, bool], None] | None = None
    # (seconds from a customer turn to the label that reflects it, kind), each time a label is
    # applied; kind: "first" (the conversation had none), "escalating" (hurried: the conversation is
    # on its way to a person) or "update"
    label_delay: Callable[[float, str], None] | None = None
    errors: list[str] = field(default_factory=list)
    # storage redaction: what the analysers drew from a turn's raw text is redacted before any await
    redactor: Redactor = NO_REDACTION
    # conversation -> (newest text to classify, when its oldest turn not yet classified came)
    _wanted: dict[str, tuple[str, float]] = field(default_factory=dict)
    _in_flight: set[str] = field(default_factory=set)
    _queued: dict[str, asyncio.Future[Any]] = field(default_factory=dict)  # in the embedder: its text's vector
    _hurried: set[str] = field(default_factory=set)  # on their way to a person: their label update goes first
    _late: set[str] = field(default_factory=set)  # results nobody is waiting for: announce them
    _done: dict[str, asyncio.Event] = field(default_factory=dict)

    def on_prepare(self, hook: Prepare) -> None:
        """Called once when a conversation's decision first leaves 'continue'."""
        self.escalation.on_prepare = hook

    async def analyse(
        self, package: ContextPackage, new_turns: list[Turn], raw_text: Mapping[int, str] | None = None
    ) -> None:
        """``new_turns`` as stored; ``raw_text`` the unredacted text of those that were redacted
        for storage: the analysers read it, the transcript and the package items never keep it."""
        last = package.analyzed_through_turn
        customer_spoke = False
        for turn in new_turns:
            if turn.id <= last:
                continue
            package.transcript.append(turn)
            raw = (raw_text or {}).get(turn.id)
            seen = turn if raw is None else turn.model_copy(update={"text": raw})
            for analyser in self.turn_analysers:
                self._run(analyser, package, seen)
            if self.redactor:
                redact_turn_items(package, turn.id, seen.text, self.redactor)
            customer_spoke |= turn.role == Role.CUSTOMER
            last = turn.id
        if customer_spoke:
            await self._classify(package)
        _merge_external_facts(package)
        was = package.escalation.decision
        self._run(self.escalation, package)
        if was is Decision.CONTINUE and package.escalation.decision is not Decision.CONTINUE:
            self.hurry(package.conversation_id)
        package.analyzed_through_turn = last

    async def _classify(self, package: ContextPackage) -> None:
        if self.classifier is None:
            return
        text = self.classifier.query_text(package)
        if not text:
            return
        cid = package.conversation_id
        waiting = self._wanted.get(cid)
        self._wanted[cid] = (text, waiting[1] if waiting else time.monotonic())
        if cid in self._in_flight:
            self._late.add(cid)  # the running embedding picks up the newest text when it is done
            return
        self._in_flight.add(cid)  # from now: a hurry() before the task starts is heard
        self._done.setdefault(cid, asyncio.Event())
        task = asyncio.ensure_future(self._embed(package))
        if self.embedder is not None and self.embedder.busy and self.issue_wait_s is not None:
            self._late.add(cid)  # queued behind a running batch: it will not land within the wait
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), self.issue_wait_s)
        except TimeoutError:
            self._late.add(cid)  # applied when it lands; on_late_issue tells the live context

    def forget(self, conversation_id: str) -> None:
        """Drops the text waiting to be classified for a deleted conversation."""
        self._wanted.pop(conversation_id, None)
        self._late.discard(conversation_id)
        self._hurried.discard(conversation_id)

    def hurry(self, conversation_id: str) -> None:
        """The conversation is on its way to a person (escalation decided, or a transfer asked):
        its label, if one is being worked out, goes ahead of updates to other conversations' labels
        (after first labels), and so does the next, until a label reflects every customer turn so far."""
        if conversation_id not in self._in_flight:
            return  # its label reflects every customer turn already
        self._hurried.add(conversation_id)
        queued = self._queued.get(conversation_id)
        if queued is not None and self.embedder is not None:  # a text queued first or hurried already stays put
            self.embedder.promote(queued, URGENT)

    async def issue_settled(self, conversation_id: str, timeout_s: float) -> None:
        """Wait (bounded) for a running issue classification: the brief at transfer wants the label."""
        done = self._done.get(conversation_id)
        if self.embedder is not None and self.embedder.backlog > MAX_BACKLOG_TO_WAIT:
            return  # under load the label is not moments away: do not hold the transfer for it
        if done is not None:
            try:
                await asyncio.wait_for(done.wait(), timeout_s)
            except TimeoutError:
                pass

    async def _embed(self, package: ContextPackage) -> None:
        cid = package.conversation_id
        done = self._done[cid]
        before = package.issue
        try:
            while cid in self._wanted:
                text, since = self._wanted.pop(cid)
                try:
                    vector = await self._vector(cid, text, self._queue(package))
                except Exception:
                    logger.exception("issue embedding failed")
                    self.errors.append("issue")
                    return
                kind = LABEL_KINDS[self._queue(package)]  # as it is now: a text hurried since it was queued counts so
                self._run(self.classifier.apply, package, vector)  # type: ignore[union-attr]
                if self.label_delay is not None:
                    self._run(self.label_delay, time.monotonic() - since, kind)
        finally:
            self._in_flight.discard(cid)
            self._hurried.discard(cid)
            self._done.pop(cid, None)
            done.set()
        if cid in self._late:
            self._late.discard(cid)
            if self.on_late_issue is not None:
                self.on_late_issue(cid, self.escalation.reads_issue_change(before, package.issue))

    def _queue(self, package: ContextPackage) -> int:
        """Which of the embedder's queues the conversation's text joins."""
        if not package.issue.label:
            return FIRST
        return URGENT if package.conversation_id in self._hurried else LATER

    async def _vector(self, cid: str, text: str, queue: int):  # type: ignore[no-untyped-def]
        if self.embedder is not None:
            future = self.embedder.submit(text, queue)
            self._queued[cid] = future
            try:
                return await future
            finally:
                self._queued.pop(cid, None)
        return await asyncio.to_thread(lambda: self.classifier.embedder.embed([text])[0])  # type: ignore[union-attr]

    def _run(self, fn: Callable[..., None], *args: object) -> None:
        try:
            fn(*args)
        except Exception:  # analysis is best effort; the stored turn is what counts
            name = getattr(fn, "__qualname__", type(fn).__name__)
            logger.exception("analyser %s failed", name)
            self.errors.append(name)


def _merge_external_facts(package: ContextPackage) -> None:
    if not package.external_context and not any(f.source == "external" for f in package.facts):
        return
    own = [f for f in package.facts if f.source != "external"]
    package.facts = own + external_facts(package.external_context)


def open_embedder(settings: Settings) -> Embedder:
    """The deployment's embedding model: in a lower-priority child process unless told otherwise."""
    if settings.embedding_nice < 0:
        from server.analysis.embedding import Embedder

        return Embedder(precision=settings.embedding_precision)
    from server.analysis.embedding_process import ProcessEmbedder

    return ProcessEmbedder(nice=settings.embedding_nice, precision=settings.embedding_precision)  # type: ignore[return-value]


def build_engine(settings: Settings, embedder: Embedder | None = None) -> Engine:
    """The engine a deployment runs: its taxonomy, its actions, its escalation policy."""
    from server.analysis.facts import FactType
    from server.analysis.rules import build_turn_analysers
    from server.analysis.sentiment import SentimentAnalyser
    from server.analysis.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(settings.taxonomy)
    analysers = build_turn_analysers(
        actions=taxonomy.action_names, action_descriptions=taxonomy.action_descriptions,
        extra_fact_types=[FactType(f.name, f.pattern, tuple(f.keywords)) for f in taxonomy.facts],
    )
    analysers.append(SentimentAnalyser().update)
    policy: EscalationPolicy = load_policy(settings.escalation_policy)
    beyond_bot = [label.name for label in taxonomy.labels if label.beyond_bot]
    engine = Engine(
        turn_analysers=analysers, escalation=EscalationStep(policy, beyond_bot=beyond_bot), taxonomy=taxonomy,
        redactor=Redactor.from_setting(settings.redact_storage),
    )
    if settings.embeddings:
        from server.analysis.embedding import BatchingEmbedder
        from server.analysis.issue import IssueClassifier

        embedder = embedder or open_embedder(settings)
        engine.classifier = IssueClassifier(taxonomy, embedder)
        engine.embedder = BatchingEmbedder(embedder)
        engine.issue_wait_s = settings.issue_wait_ms / 1000
    return engine
