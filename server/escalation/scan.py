"""What escalation reads off the transcript, each turn read once and kept with the package.

``decide`` runs after every turn, and several of its signals look at the whole
conversation: every request for a person, everything that needed authority,
whether the customer has said it is solved since, which recent turns say the same
thing again. Reading the transcript anew on every turn made the step's cost grow
with the conversation (on the load bench's turns 0.13 ms at turn 1, 0.30 ms at
turn 100, 1.2 ms at turn 400: ``bench/analysis_cpu.py``). A ``Scan`` reads each
turn once, as it arrives, and keeps only what the signals need: positions and
reasons, not the text (0.07-0.13 ms a turn at any of those lengths).

The sentiment analyser's points are read the same way, each once.

It lives on the package in a slot pydantic knows nothing of (never saved, compared
or copied), one per policy setting it depends on, and is used only while it still
describes the package: its transcript and points start with the very objects this
scan read (turns and points are frozen), checked in C on every use. Anything else
(a package reloaded or copied, a turn replaced) starts a fresh scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.context.model import ContextPackage, Role, SentimentPoint, Turn
from server.escalation import cues
from server.escalation.policy import EscalationPolicy
from server.escalation.similarity import is_substantive, similarity, words_of

CARRY = 0.6  # cue-word frustration: how much of the last turn's lingers into the next
MAX_SCANS = 4  # per package: one policy is the rule, a few when an evaluation compares some
LIMIT_SAID = "the bot said it cannot grant the request"
REPEAT_SIGNALS = frozenset({"repetition", "repeat_contact"})

Key = tuple[tuple[str, ...], float | None, tuple[str, ...], int, float]


def scan_of(package: ContextPackage, policy: EscalationPolicy) -> Scan:
    """The package's scan under ``policy``, brought up to its last turn."""
    key: Key = (tuple(policy.human_phrases), policy.max_bot_refund, tuple(policy.authority_phrases),
                policy.recent_turns, policy.repeat_similarity)
    scans = package.scans()
    scan = scans.get(key)
    if scan is None or not _starts_with(package.transcript, scan.turns):
        if scan is None and len(scans) >= MAX_SCANS:
            del scans[next(iter(scans))]
        scan = scans[key] = Scan(key)
    scan.extend(package.transcript)
    scan.read_points(package.sentiment.points)
    return scan


def _starts_with(items: list[Any], read: list[Any]) -> bool:
    """``items`` begins with ``read``: compared in C, each pair by identity first."""
    return len(read) <= len(items) and items[: len(read)] == read


@dataclass(slots=True, eq=False)
class Scan:
    key: Key
    turns: list[Turn] = field(default_factory=list)  # what was read, to tell when it no longer holds
    points: list[SentimentPoint] = field(default_factory=list)
    # Turn ids of the points flagged as a request for a person, and as the customer repeating.
    flagged_asks: tuple[int, ...] = ()
    flagged_repeats: list[int] = field(default_factory=list)
    # Positions in the transcript; tuples, as most stay empty and an empty tuple costs nothing.
    asks: tuple[int, ...] = ()  # customer turns that ask for a person
    authority: tuple[tuple[int, str], ...] = ()  # turns that need authority the bot lacks, and why
    actions: tuple[int, ...] = ()  # turns with a logged bot action
    # (position, role, earlier positions it repeats): the substantive turns in the recent window
    # that say again what an earlier turn of the same role in their own window said
    repeated: tuple[tuple[int, Role, tuple[int, ...]], ...] = ()
    resolved_id: int = 0  # the latest customer turn that says it is solved
    said: tuple[tuple[Turn, bool], ...] = ()  # the last two customer turns: does each say it is solved
    # Frustration from cue words, read only when no sentiment analyser ran: through which
    # position, its level there, and the last four customer turns with theirs.
    cued_through: int = 0
    cued_level: float = 0.0
    cued: tuple[tuple[Turn, float], ...] = ()

    def extend(self, transcript: list[Turn]) -> None:
        for turn in transcript[len(self.turns):]:
            self._read(len(self.turns), turn)
            self.turns.append(turn)
        start = self.window_start()
        if self.repeated and self.repeated[0][0] < start:
            self.repeated = tuple(r for r in self.repeated if r[0] >= start)

    def read_points(self, points: list[SentimentPoint]) -> None:
        if not _starts_with(points, self.points):
            self.points, self.flagged_asks, self.flagged_repeats = [], (), []
        for point in points[len(self.points):]:
            if "asks_for_human" in point.signals:
                self.flagged_asks += (point.turn_id,)
            if not REPEAT_SIGNALS.isdisjoint(point.signals):
                self.flagged_repeats.append(point.turn_id)
            self.points.append(point)

    def _read(self, at: int, turn: Turn) -> None:
        human, max_refund, authority, _, _ = self.key
        if turn.action is not None:
            self.actions += (at,)
        if turn.role is Role.CUSTOMER:
            if cues.asks_for_human(turn.text, human):
                self.asks += (at,)
            need = cues.authority_need(turn.text, max_refund, authority)
            if need:
                self.authority += ((at, need),)
            resolved = cues.sounds_resolved(turn.text)
            if resolved:
                self.resolved_id = max(self.resolved_id, turn.id)
            self.said = (*self.said[-1:], (turn, resolved))
        elif turn.role is Role.BOT and cues.bot_admits_limit(turn.text):
            self.authority += ((at, LIMIT_SAID),)
        if turn.role in (Role.CUSTOMER, Role.BOT) and is_substantive(turn):
            self._compare(at, turn)

    def _compare(self, at: int, turn: Turn) -> None:
        """Which earlier turns of its role, in the window it arrived in, this one says again. The
        window only moves on, so later windows hold a subset of these."""
        recent_turns, threshold = self.key[3], self.key[4]
        words = words_of(turn)
        same = tuple(
            p for p in range(max(0, at + 1 - recent_turns), at)
            if self.turns[p].role is turn.role and is_substantive(self.turns[p])
            and similarity(words_of(self.turns[p]), words) >= threshold
        )
        if same:
            self.repeated += ((at, turn.role, same),)

    def window_start(self) -> int:
        """The first position of the recent window (the policy's last ``recent_turns`` turns)."""
        return max(0, len(self.turns) - self.key[3])

    def repeats(self, role: Role) -> list[tuple[Turn, Turn]]:
        """Pairs (earlier, later) of substantive ``role`` turns in the recent window where the later
        says the same again: for each later turn, the first such earlier one still in the window."""
        start, pairs = self.window_start(), []
        for at, of, same in self.repeated:
            first = next((p for p in same if p >= start), None) if of is role and at >= start else None
            if first is not None:
                pairs.append((self.turns[first], self.turns[at]))
        return pairs

    def customer_positions(self, turn_ids: set[int]) -> list[int]:
        """Positions of the customer turns with these ids (ids are positions + 1, as stored)."""
        found = []
        for turn_id in turn_ids:
            at = turn_id - 1
            if not (0 <= at < len(self.turns) and self.turns[at].id == turn_id):
                at = next((i for i, t in enumerate(self.turns) if t.id == turn_id), -1)
            if at >= 0 and self.turns[at].role is Role.CUSTOMER:
                found.append(at)
        return found

    def cued_frustration(self) -> tuple[tuple[Turn, float], ...]:
        """The last four customer turns with their cue-word frustration, each carrying over part of
        the one before (read up to the last turn on the first call that needs it)."""
        for turn in self.turns[self.cued_through:]:
            if turn.role is Role.CUSTOMER:
                self.cued_level = max(cues.frustration_cue(turn.text), CARRY * self.cued_level)
                self.cued = (*self.cued[-3:], (turn, self.cued_level))
        self.cued_through = len(self.turns)
        return self.cued
