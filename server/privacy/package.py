"""Storage redaction of what the analysis drew from one turn's raw text.

The analysers may read a turn's raw text (in memory only); what they put in the
package is redacted right after, before anything can be saved or served: a fact
whose value was (part of) a redacted span becomes that span's placeholder, so a
card number fact reads ``[CARD •••• 4242]`` while an order number fact stays.
"""

from __future__ import annotations

import json
from typing import Any

from server.context.model import ContextPackage, ExternalContext, Fact
from server.privacy.detect import Finding
from server.privacy.redact import Redactor


def redact_turn_items(package: ContextPackage, turn_id: int, raw_text: str, redactor: Redactor) -> None:
    """Redacts the facts, statements, commitments and steps that name ``turn_id``."""
    findings = redactor.find(raw_text)
    for fact in package.facts:
        if turn_id in fact.turn_ids and fact.source == "customer":
            fact.value = _redact_value(fact.value, findings, redactor)
    for item in (*package.bot_statements, *package.commitments):
        if turn_id in item.turn_ids:
            item.text = redactor.redact(item.text)
    for step in package.steps:
        if turn_id in step.turn_ids and step.detail:
            step.detail = redactor.redact(step.detail)
    package.facts = merge_facts(package.facts)


def _redact_value(value: str, findings: list[Finding], redactor: Redactor) -> str:
    for finding in findings:
        if _same_data(value, finding.text):
            return finding.placeholder
    return redactor.redact(value)


def _same_data(value: str, span: str) -> bool:
    """'12345678' taken from 'account number 12345678', or '4242424242424242' from '4242 4242 4242 4242'."""
    if len(value) >= 4 and (value in span or span in value):
        return True
    value_digits = "".join(ch for ch in value if ch.isdigit())
    span_digits = "".join(ch for ch in span if ch.isdigit())
    if min(len(value_digits), len(span_digits)) < 4:
        return False
    return value_digits in span_digits or span_digits in value_digits


def merge_facts(facts: list[Fact]) -> list[Fact]:
    """One fact per (source, type, value): two mentions redacted alike become one, with both turns."""
    merged: dict[tuple[str, str, str], Fact] = {}
    for fact in facts:
        key = (fact.source, fact.type, fact.value)
        kept = merged.get(key)
        if kept is None:
            merged[key] = fact
        else:
            kept.turn_ids.extend(t for t in fact.turn_ids if t not in kept.turn_ids)
    return list(merged.values())


def redact_external(item: ExternalContext, redactor: Redactor) -> ExternalContext:
    """Pushed CRM/order data: JSON keeps its shape (each string or number leaf redacted), text is redacted."""
    if not redactor:
        return item
    if item.content_type != "application/json":
        return item.model_copy(update={"content": redactor.redact(item.content)})
    data = _redact_json(json.loads(item.content), redactor)
    return item.model_copy(update={"content": json.dumps(data, ensure_ascii=False)})


def _redact_json(value: Any, redactor: Redactor) -> Any:
    if isinstance(value, dict):
        return {key: _redact_leaf(str(key), leaf, redactor) for key, leaf in value.items()}
    if isinstance(value, list):
        return [_redact_json(leaf, redactor) for leaf in value]
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
        redacted = redactor.redact(text)
        return value if redacted == text else redacted
    return value


def _redact_leaf(key: str, leaf: Any, redactor: Redactor) -> Any:
    """{"account_number": "12345678"}: the key is the label a bank account or SSN needs."""
    label = key.replace("_", " ").replace("-", " ").lower()
    if isinstance(leaf, str | int) and not isinstance(leaf, bool) and any(w in label for w in _LABELS):
        labelled = f"{label} {leaf}"
        redacted = redactor.redact(labelled)
        if redacted != labelled:
            return redacted[len(label) + 1 :]
    return _redact_json(leaf, redactor)


_LABELS = ("account number", "routing", "ssn", "social security", "iban", "card number")
