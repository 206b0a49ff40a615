"""Outside context the platform pushes (a CRM record, order data) becomes facts.

JSON objects are flattened to their scalar leaves ("order.id" -> "12345"); plain
text is kept as context only. Such facts have source "external" and no turn ids:
the customer did not say them, but the agent must not ask for them either.
"""

from __future__ import annotations

import json

from server.context.model import ExternalContext, Fact
from server.errors import InvalidArgumentError

MAX_FACTS = 200


def parse_external(item: ExternalContext) -> list[Fact]:
    if item.content_type != "application/json":
        return []
    try:
        data = json.loads(item.content)
    except json.JSONDecodeError as e:
        raise InvalidArgumentError(f"content is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from e
    facts: list[Fact] = []
    _flatten(data, item.source, facts)
    return facts[:MAX_FACTS]


def _flatten(value: object, path: str, out: list[Fact]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _flatten(inner, f"{path}[{index}]", out)
    elif value is not None and str(value).strip():
        out.append(Fact(type=path, value=str(value), turn_ids=[], source="external"))


def external_facts(items: list[ExternalContext]) -> list[Fact]:
    facts: list[Fact] = []
    for item in items:
        try:
            facts.extend(parse_external(item))
        except InvalidArgumentError:
            continue
    return facts
