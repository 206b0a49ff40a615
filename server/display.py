"""Plain-text rendering of packages, turns and briefs for the command line."""

from __future__ import annotations

import textwrap

from google.protobuf.json_format import MessageToJson

from server._proto.handoff.v1 import handoff_pb2 as pb

ROLE_NAMES = {pb.CUSTOMER: "customer", pb.BOT: "bot", pb.HUMAN_AGENT: "agent", pb.SYSTEM: "action"}
DECISIONS = {pb.CONTINUE: "continue", pb.ESCALATE_SOON: "ESCALATE SOON", pb.ESCALATE_NOW: "ESCALATE NOW"}


def _ids(turn_ids: object) -> str:
    return ",".join(str(i) for i in turn_ids)  # type: ignore[attr-defined]


def describe_turn(turn: pb.Turn, before: pb.ContextPackage, after: pb.ContextPackage) -> str:
    lines = [f"[{turn.turn_id:>2}] {ROLE_NAMES.get(turn.role, '?'):>8}: {_short(turn.text, 100)}"]
    known = {(f.type, f.value) for f in before.facts}
    for fact in after.facts:
        if (fact.type, fact.value) not in known:
            lines.append(f"       + fact {fact.type} = {fact.value}  (turn {_ids(fact.turn_ids)})")
    for item in after.commitments[len(before.commitments):]:
        detail = ", ".join(x for x in (item.amount, item.deadline) if x)
        lines.append(f"       + commitment: {item.action}" + (f" ({detail})" if detail else ""))
    seen_steps = {(s.name, s.outcome) for s in before.steps}
    for step in after.steps:
        if (step.name, step.outcome) not in seen_steps:
            lines.append(f"       + step {step.name}: {pb.Outcome.Name(step.outcome).lower()}")
    if after.issue.label and after.issue.label != before.issue.label:
        lines.append(f"       ~ issue {after.issue.label} ({after.issue.confidence:.2f}, {after.issue.complexity})")
    points = {p.turn_id: p for p in after.sentiment.points}
    if turn.turn_id in points:
        p = points[turn.turn_id]
        signals = f" [{', '.join(p.signals)}]" if p.signals else ""
        lines.append(
            f"       ~ sentiment {p.score:+.2f} frustration {p.frustration:.2f} at {p.target}{signals}; "
            f"trend {after.sentiment.trend}"
        )
    esc = after.escalation
    if esc.decision:
        why = "; ".join(r.text for r in (esc.reasons if esc.decision != pb.CONTINUE else esc.hold_reasons))
        lines.append(f"       > {DECISIONS.get(esc.decision, '?')} ({esc.score:.2f})" + (f": {why}" if why else ""))
    return "\n".join(lines)


def describe_package(p: pb.ContextPackage, as_json: bool = False) -> str:
    if as_json:
        return MessageToJson(p, preserving_proto_field_name=True, indent=2)
    lines = [
        f"--- context package {p.conversation_id} (through turn {p.analyzed_through_turn}, "
        f"stage {pb.Stage.Name(p.stage).lower()})",
        f"issue:       {p.issue.label or '-'} / {p.issue.group or '-'}  confidence {p.issue.confidence:.2f}, "
        f"complexity {p.issue.complexity or '-'}",
        f"sentiment:   trend {p.sentiment.trend or '-'}, frustration now {p.sentiment.current_frustration:.2f}, "
        f"peak {p.sentiment.peak_frustration:.2f} at turn {p.sentiment.peak_turn_id}, about {p.sentiment.target}",
    ]
    lines += _section("facts", [f"{f.type} = {f.value}  (turns {_ids(f.turn_ids) or f.source})" for f in p.facts])
    lines += _section("bot told", [f"{_short(s.text, 90)}  (turns {_ids(s.turn_ids)})" for s in p.bot_statements])
    lines += _section("commitments", [
        f"{c.action}" + "".join(f"; {k} {v}" for k, v in (("amount", c.amount), ("by", c.deadline)) if v)
        + f"  (turns {_ids(c.turn_ids)})"
        for c in p.commitments
    ])
    lines += _section("steps", [
        f"{s.name}: {pb.Outcome.Name(s.outcome).lower()}" + (f" ({s.detail})" if s.detail else "")
        + f"  (turns {_ids(s.turn_ids)})"
        for s in p.steps
    ])
    lines += _section("prior contacts", [
        f"{c.conversation_id}: {c.issue_label or '?'}, {c.outcome}, {c.turn_count} turns" for c in p.prior_contacts
    ])
    esc = p.escalation
    lines.append(f"escalation:  {DECISIONS.get(esc.decision, '-')} (score {esc.score:.2f}, "
                 f"confidence {esc.confidence:.2f})")
    lines += [f"  because {r.text}  (turns {_ids(r.turn_ids)})" for r in esc.reasons]
    lines += [f"  holding: {r.text}" for r in esc.hold_reasons]
    lines += [f"  focus: {f}" for f in esc.focus]
    return "\n".join(lines)


def describe_brief(b: pb.Brief) -> str:
    lines = ["--- handoff brief" + (f" ({b.prose_source} prose)" if b.prose_source else "")]
    lines += _section("why a human", list(b.why_human))
    lines += _section("focus", list(b.focus))
    lines += _section("do not ask again", [f"{f.type}: {f.value}" for f in b.do_not_ask])
    lines += _section("honour", [c.text for c in b.commitments])
    lines.append("summary:     " + textwrap.fill(b.summary, 100, subsequent_indent=" " * 13))
    for name, text in b.sections.items():
        lines.append(f"{name + ':':<12} " + textwrap.fill(text, 100, subsequent_indent=" " * 13))
    lines.append("agent says:  " + b.opening_line)
    lines.append("customer hears: " + b.announcement)
    if b.grounding.claims_checked:
        lines.append(f"grounding:   {b.grounding.claims_dropped} of {b.grounding.claims_checked} claims dropped")
    return "\n".join(lines)


def describe_suggestion(s: pb.Suggestion) -> str:
    head = f"  [{s.kind}] {s.title}"
    if s.kind == "knowledge":
        return head + f"  ({s.score:.2f})\n      {_short(s.text, 110)}"
    if s.kind == "reply_check":
        lines = [head]
        for f in s.findings:
            value = f" (the customer gave: {f.known_value})" if f.known_value else ""
            lines.append(f"      {f.severity} {f.kind}: {f.message}{value}")
            if f.suggested_rewrite:
                lines.append(f"      suggest: {f.suggested_rewrite}")
        return "\n".join(lines)
    return head + (f": {_short(s.text, 100)}" if s.text else "")


def _section(title: str, items: list[str]) -> list[str]:
    if not items:
        return [f"{title + ':':<12} -"]
    return [f"{title + ':':<12} {items[0]}"] + [" " * 13 + item for item in items[1:]]


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
