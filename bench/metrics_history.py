"""Replays a synthetic history of handoffs of mixed quality against a running server, for ``handoff metrics``.

    python bench/metrics_history.py --target 127.0.0.1:50051 --handoffs 300
    handoff metrics --target 127.0.0.1:50051 --by deployment --report report --format html

Each handoff: the customer's opening (delivery, refund, login), a bot turn, a frustrated or
neutral customer turn, ESCALATED now, a customer turn after it, AGENT_CONNECTED after a wait,
the agent's message (a turn or an AGENT_MESSAGE event; some ask again for the order number),
sometimes RE_ESCALATED, satisfaction scores for some, suggestion feedback, RESOLVED. Deployment
"eu" is built to hand off better than "us".
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc

OPENINGS = [
    "My order number is {n} and it still hasn't arrived after two weeks.",
    "I was charged twice for order {n}, I want a refund please.",
    "I can't log in to my account, the reset email never comes. My order number is {n}.",
]
BEFORE = ["This is useless, I want to talk to a human.", "Ok, but it still does not work.",
          "I am really frustrated, nothing you say helps!", "Can I speak to a person please?"]
AFTER_GOOD = ["Thank you so much, that is great, really helpful!", "Perfect, thanks."]
AFTER_BAD = ["Still not fixed, this is terrible.", "I already told the bot all of this, so annoying."]
REPEAT_ASK = "Hi, could you give me your order number?"
GOOD_REPLY = "Hi, I have your order {n} here and have arranged a replacement; it ships tomorrow."


def play(stubs: tuple[pb_grpc.ConversationServiceStub, pb_grpc.KnowledgeServiceStub], i: int, seed: int) -> None:
    conversations, knowledge = stubs
    rng = random.Random(seed * 100_003 + i)
    deployment = rng.choice(["eu", "us"])
    good = rng.random() < (0.75 if deployment == "eu" else 0.45)
    cid = f"hist-{uuid.uuid4().hex[:10]}"
    n = 40000 + i
    conversations.CreateConversation(pb.CreateConversationRequest(conversation_id=cid, labels={"deployment": deployment}))

    def say(rid: str, text: str, role: int = pb.CUSTOMER) -> None:
        conversations.AppendTurn(pb.AppendTurnRequest(conversation_id=cid, request_id=rid, role=role, text=text))

    def event(rid: str, kind: int, at: float, **extra: object) -> None:
        conversations.ReportEvent(pb.HandoffEvent(conversation_id=cid, request_id=rid, type=kind, occurred_at=at,
                                                  **extra))  # type: ignore[arg-type]

    say("t1", rng.choice(OPENINGS).format(n=n))
    say("t2", "I can help with that. Let me check.", pb.BOT)
    say("t3", rng.choice(BEFORE))
    time.sleep(0.002)
    escalated = time.time()
    event("e1", pb.ESCALATED, escalated, queue_position=rng.randint(0, 12))
    time.sleep(0.002)
    say("t4", rng.choice(AFTER_GOOD if good else AFTER_BAD))
    connected = escalated + rng.uniform(20, 240 if good else 900)
    event("e2", pb.AGENT_CONNECTED_EVENT, connected, agent_id=f"agent-{rng.randint(1, 9)}")
    text = GOOD_REPLY.format(n=n) if good or rng.random() < 0.4 else REPEAT_ASK
    if rng.random() < 0.5:
        event("e3", pb.AGENT_MESSAGE, connected + 10, text=text)
    else:
        say("t5", text, pb.HUMAN_AGENT)
    if rng.random() < (0.05 if good else 0.25):
        event("e4", pb.RE_ESCALATED, connected + rng.uniform(300, 1200))
    if rng.random() < 0.4:
        event("e5", pb.SATISFACTION, escalated - 1, score=float(rng.randint(1, 3)))
        event("e6", pb.SATISFACTION, connected + 4000, score=float(rng.randint(3, 5) if good else rng.randint(0, 3)),
              post_handoff=True)
    for k in range(rng.randint(0, 3)):
        action = "used" if rng.random() < (0.6 if good else 0.3) else "dismissed"
        knowledge.SubmitFeedback(pb.SuggestionFeedback(conversation_id=cid, suggestion_id=f"s{k}", action=action))
    if rng.random() < 0.85:
        event("e7", pb.RESOLVED, connected + rng.lognormvariate(6.3 if good else 7.0, 0.6))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--handoffs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with grpc.insecure_channel(args.target) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=10)
        except grpc.FutureTimeoutError:
            print(f"no server answers at {args.target}; start one with 'handoff serve'", file=sys.stderr)
            return 2
        stubs = (pb_grpc.ConversationServiceStub(channel), pb_grpc.KnowledgeServiceStub(channel))
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(lambda i: play(stubs, i, args.seed), range(args.handoffs)))
        print(f"replayed {args.handoffs} handoffs in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
