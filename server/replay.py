"""Plays recorded conversations against a running server, turn by turn.

Reads the ../shared/data JSONL format (one conversation a line, speakers
customer / agent / action, ABCD's ``gold.cut_turn`` as the handoff point), or a
plain JSON transcript: an object with ``turns``, or a list of such objects.
Before the cut, "agent" is the bot; after it, a human agent.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import grpc

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from server.display import describe_brief, describe_package, describe_suggestion, describe_turn

SPEAKER_ROLES = {
    "customer": pb.CUSTOMER,
    "user": pb.CUSTOMER,
    "agent": pb.BOT,
    "bot": pb.BOT,
    "assistant": pb.BOT,
    "action": pb.SYSTEM,
    "system": pb.SYSTEM,
    "human_agent": pb.HUMAN_AGENT,
}


@dataclass
class Recorded:
    id: str
    turns: list[dict[str, object]]
    customer_id: str = ""
    channel: str = ""
    cut_turn: int | None = None
    outcome: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def read_conversations(path: Path) -> Iterator[Recorded]:
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        rows = json.loads(text)
    elif path.suffix == ".jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        rows = [json.loads(text)]
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("turns"), list):
            raise ValueError(f"{path}: conversation {index + 1} has no 'turns' list")
        gold = row.get("gold") or {}
        cut = row.get("cut_turn", gold.get("cut_turn") if isinstance(gold, dict) else None)
        yield Recorded(
            id=str(row.get("id") or f"{path.stem}-{index + 1}"), turns=row["turns"],
            customer_id=str(row.get("customer_id") or ""), channel=str(row.get("channel") or ""),
            cut_turn=int(cut) if cut is not None else None, outcome=str(row.get("outcome") or ""),
        )


def turn_request(conversation_id: str, index: int, raw: dict[str, object], after_cut: bool) -> pb.AppendTurnRequest:
    speaker = str(raw.get("speaker") or raw.get("role") or "").lower()
    if speaker not in SPEAKER_ROLES:
        raise ValueError(f"turn {index + 1}: unknown speaker {speaker!r}; use one of {sorted(SPEAKER_ROLES)}")
    role = SPEAKER_ROLES[speaker]
    if after_cut and role == pb.BOT:
        role = pb.HUMAN_AGENT
    request = pb.AppendTurnRequest(
        conversation_id=conversation_id, request_id=f"t{index + 1}", role=role, text=str(raw.get("text") or "")
    )
    action = raw.get("action")
    if isinstance(action, dict):
        outcome = pb.Outcome.Value(str(action.get("outcome", "UNKNOWN")).upper())
        request.action.CopyFrom(
            pb.BotAction(name=str(action.get("name", "")), outcome=outcome, detail=str(action.get("detail", "")))
        )
    return request


class Replayer:
    def __init__(self, channel: grpc.Channel, out: IO[str], json_output: bool = False, unique: bool = True) -> None:
        self.conversations = pb_grpc.ConversationServiceStub(channel)
        self.handoff = pb_grpc.HandoffServiceStub(channel)
        self.knowledge = pb_grpc.KnowledgeServiceStub(channel)
        self.out = out
        self.json_output = json_output
        self.unique = unique

    def play(self, recorded: Recorded, full: bool = False, handoff: bool = True) -> pb.ContextPackage:
        suffix = "-" + uuid.uuid4().hex[:6] if self.unique else ""
        conversation_id = _safe_id(recorded.id) + suffix
        self.conversations.CreateConversation(
            pb.CreateConversationRequest(
                conversation_id=conversation_id, customer_id=recorded.customer_id, channel=recorded.channel
            )
        )
        self._print(f"\n=== {conversation_id} ({len(recorded.turns)} turns"
                    + (f", handoff at turn {recorded.cut_turn}" if recorded.cut_turn else "") + ")")
        cut = recorded.cut_turn if recorded.cut_turn is not None else len(recorded.turns)
        last = pb.ContextPackage()
        for index, raw in enumerate(recorded.turns[: cut if not full else len(recorded.turns)]):
            if index == cut and handoff:
                self._handoff(conversation_id)
            ack = self.conversations.AppendTurn(turn_request(conversation_id, index, raw, index >= cut))
            package = self.conversations.GetContextPackage(
                pb.GetContextPackageRequest(
                    conversation_id=conversation_id, min_turn_id=ack.turn.turn_id, wait_ms=5000, omit_transcript=True
                )
            )
            self._print(describe_turn(ack.turn, last, package))
            last = package
        if handoff and recorded.cut_turn is not None and not full:
            self._handoff(conversation_id)
        if recorded.outcome:
            self.conversations.CompleteConversation(
                pb.CompleteConversationRequest(conversation_id=conversation_id, outcome=recorded.outcome)
            )
        final = self.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=conversation_id))
        self._print(describe_package(final, self.json_output))
        return final

    def _handoff(self, conversation_id: str) -> None:
        try:
            response = self.handoff.Handoff(pb.HandoffRequest(conversation_id=conversation_id))
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.UNIMPLEMENTED:
                return
            raise
        self._print(describe_brief(response.brief))

    def assist(self, conversation_id: str, agent_turns: list[str], drafts: list[str]) -> None:
        """An agent desktop after the handoff: the agent's turns, then drafts, with suggestions as they come."""

        def events() -> Iterator[pb.AssistRequest]:
            yield pb.AssistRequest(open_conversation_id=conversation_id)
            for index, text in enumerate(agent_turns):
                yield pb.AssistRequest(turn=pb.AppendTurnRequest(
                    request_id=f"agent-{index + 1}", role=pb.HUMAN_AGENT, text=text))
            for draft in drafts:
                yield pb.AssistRequest(draft=draft)

        self._print(f"\n--- live assist for {conversation_id} after the handoff")
        for response in self.knowledge.Assist(events()):
            for s in response.suggestions:
                self._print(describe_suggestion(s))

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _safe_id(value: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._:@-" else "-" for c in value)
    return cleaned.strip("-._:@") or "conversation"

