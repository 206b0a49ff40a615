"""Input limits, checked before anything is stored, each with a message that says how to fix it."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from server.context.records import NewTurn
from server.errors import InvalidArgumentError

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@\-]*$")


@dataclass(frozen=True)
class Limits:
    max_turn_chars: int = 8000
    max_turns_per_conversation: int = 2000
    max_id_chars: int = 128
    max_context_chars: int = 200_000

    def check_id(self, name: str, value: str, required: bool = True) -> None:
        if not value:
            if required:
                raise InvalidArgumentError(f"{name} is required")
            return
        if len(value) > self.max_id_chars:
            raise InvalidArgumentError(f"{name} is {len(value)} characters; the limit is {self.max_id_chars}")
        if not _ID.match(value):
            raise InvalidArgumentError(
                f"{name} {value[:40]!r} has characters outside letters, digits and . _ : @ -"
            )

    def check_turn(self, turn: NewTurn) -> None:
        self.check_id("request_id", turn.request_id)
        if len(turn.text) > self.max_turn_chars:
            raise InvalidArgumentError(
                f"turn text is {len(turn.text)} characters; the limit is {self.max_turn_chars} "
                "(split long messages into several turns)"
            )
        if not turn.text.strip() and turn.action is None:
            raise InvalidArgumentError("a turn needs text, or a bot action")
        if "\x00" in turn.text:
            raise InvalidArgumentError("turn text contains a NUL character")
        if turn.action is not None and not turn.action.name.strip():
            raise InvalidArgumentError("a bot action needs a name")

    def check_number(self, name: str, value: float, low: float, high: float) -> None:
        if not math.isfinite(value) or not low <= value <= high:
            raise InvalidArgumentError(f"{name} must be a number between {low:g} and {high:g}")

    def check_timestamp(self, name: str, value: float) -> None:
        """0 means 'now'; otherwise unix seconds, not more than a day ahead of this server's clock."""
        self.check_number(name, value, 0, time.time() + 86_400)

    def check_text(self, name: str, value: str, limit: int) -> None:
        if len(value) > limit:
            raise InvalidArgumentError(f"{name} is {len(value)} characters; the limit is {limit}")
