"""ABCD's ontology and agent guidelines as a deployment taxonomy.

The ontology names flows and subflows (``product_defect`` / ``refund_initiate``);
the guidelines describe them under human names ("Product Defect" / "Initiate
Refund"). Flows are matched by their normalised names, subflows within a flow
by shared words, then by position (both files list them in the same order).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from server.analysis.taxonomy import Action, Label, Taxonomy, words
from server.errors import InvalidArgumentError

# Shorthands the ontology uses for words the guidelines spell out.
ALIASES = {"2fa": {"two", "factor", "auth"}, "credit": {"credit"}}


def load_abcd(folder: Path) -> Taxonomy:
    try:
        ontology = json.loads((folder / "ontology.json").read_text(encoding="utf-8"))
        guidelines = json.loads((folder / "guidelines.json").read_text(encoding="utf-8"))
        kb = json.loads((folder / "kb.json").read_text(encoding="utf-8")) if (folder / "kb.json").exists() else {}
    except (OSError, ValueError) as e:
        raise InvalidArgumentError(f"cannot read the ABCD taxonomy in {folder}: {e}") from e
    flows = {_key(name): (name, body) for name, body in guidelines.items()}
    labels: list[Label] = []
    for flow, subflows in ontology["intents"]["subflows"].items():
        if _key(flow) not in flows:
            raise InvalidArgumentError(f"guidelines.json has no flow matching {flow!r}")
        flow_title, flow_body = flows[_key(flow)]
        matched = _match_subflows(subflows, list(flow_body["subflows"]))
        for subflow in subflows:
            title = matched[subflow]
            guide = flow_body["subflows"][title]
            required = list(kb.get(subflow, []))
            labels.append(
                Label(
                    name=subflow, group=flow, title=f"{flow_title}: {title}",
                    description=_describe(flow_title, flow_body.get("description", ""), title, guide),
                    complexity=_complexity(required),
                    required_actions=required,
                )
            )
    actions = _actions(ontology["actions"], guidelines)
    return Taxonomy(labels=labels, actions=actions)


def _key(name: str) -> str:
    return "_".join(words(name))


def _tokens(name: str) -> set[str]:
    found: set[str] = set()
    for word in words(name):
        found |= ALIASES.get(word, {word})
    return found


def _match_subflows(names: list[str], titles: list[str]) -> dict[str, str]:
    """Greedy by shared words; what is left is paired by position."""
    pairs = sorted(
        ((len(_tokens(n) & _tokens(t)), -abs(i - j), n, t) for i, n in enumerate(names) for j, t in enumerate(titles)),
        reverse=True,
    )
    matched: dict[str, str] = {}
    used: set[str] = set()
    for overlap, _, name, title in pairs:
        if overlap and name not in matched and title not in used:
            matched[name], _ = title, used.add(title)
    left_names = [n for n in names if n not in matched]
    left_titles = [t for t in titles if t not in used]
    if len(left_names) > len(left_titles):
        raise InvalidArgumentError(f"guidelines.json lacks subflows for {left_names}")
    matched.update(zip(left_names, left_titles, strict=False))
    return matched


def _describe(flow_title: str, flow_description: str, title: str, guide: dict[str, Any]) -> str:
    parts = [f"{title} ({flow_title}: {flow_description})."]
    for instruction in guide.get("instructions", []) or []:
        parts.append(str(instruction))
    for action in guide.get("actions", []):
        parts.append(str(action.get("text", "")))
        parts.extend(str(s) for s in action.get("subtext", []))
    return " ".join(p.strip() for p in parts if p and p.strip())


def _complexity(required_actions: list[str]) -> str:
    if len(required_actions) >= 5:
        return "high"
    return "medium" if len(required_actions) >= 3 else "low"


def _actions(ontology_actions: dict[str, dict[str, list[str]]], guidelines: dict[str, Any]) -> list[Action]:
    """The ontology's actions, described by the guideline text of their buttons."""
    texts: dict[str, list[str]] = {}
    for flow in guidelines.values():
        for guide in flow["subflows"].values():
            for action in guide.get("actions", []):
                key = "-".join(words(str(action.get("button", ""))))
                texts.setdefault(key, []).append(str(action.get("text", "")))
    actions = []
    for kind in ontology_actions.values():
        for name in kind:
            description = " ".join(dict.fromkeys(texts.get(name, [])))
            actions.append(Action(name=name, description=description[:2000]))
    return actions
