"""Annotated conversations in the ../shared/data JSONL format, as turns of our model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.context.model import BotAction, Role, Turn

SPEAKERS = {"customer": Role.CUSTOMER, "agent": Role.BOT, "action": Role.SYSTEM}


@dataclass
class Item:
    id: str
    source: str
    turns: list[Turn]  # the prefix the brief is made from (ABCD: up to gold.cut_turn)
    gold: dict[str, Any] = field(default_factory=dict)


def read_items(path: Path) -> Iterator[Item]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                yield to_item(row)
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{number}: not a conversation in the shared format ({e})") from e


def to_item(row: dict[str, Any]) -> Item:
    gold = row.get("gold") or {}
    raw_turns = row["turns"]
    cut = gold.get("cut_turn")
    if cut is not None:
        raw_turns = raw_turns[: int(cut)]
    turns = [
        Turn(id=i + 1, role=SPEAKERS[t["speaker"]], text=t["text"], request_id=f"t{i + 1}", created_at=float(i),
             action=BotAction(name=t["action"]["name"]) if isinstance(t.get("action"), dict) else None)
        for i, t in enumerate(raw_turns)
    ]
    return Item(id=str(row["id"]), source=str(row.get("source", "")), turns=turns, gold=gold)
