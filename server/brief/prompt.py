"""Prompt files (prompts/*.md) rendered with string.Template: a missing variable is an error.

Customer and bot text only ever goes inside the delimited conversation block,
one line per turn, as a quoted string, after ``neutralise`` (server.analysis.injection):
no delimiter, chat-template token, invisible character or role marker survives
in it, so no turn can close the block, start a turn of its own or speak as the
instructions.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from string import Template

from server.analysis.injection import neutralise
from server.brief.model import Brief
from server.brief.text import clean_text
from server.context.model import ContextPackage, Role
from server.errors import InvalidArgumentError

_DELIMITER = re.compile(r"</?\s*conversation\s*>", re.I)
_SPEAKER = {Role.CUSTOMER: "customer", Role.BOT: "bot", Role.AGENT: "agent", Role.SYSTEM: "action"}
MAX_TRANSCRIPT_CHARS = 6000


@cache
def load_template(prompt_dir: Path, name: str) -> Template:
    path = prompt_dir / f"{name}.md"
    if not path.is_file():
        raise InvalidArgumentError(f"prompt file {path} is missing; restore it from the repository's prompts/")
    return Template(path.read_text(encoding="utf-8"))


_EXAMPLE = re.compile(r"^Example$.*?^Now the real one\.$", re.M | re.S)


def prompt_text(prompt_dir: Path, name: str = "handoff_prose") -> str:
    """The prompt's instructions (what a model must never repeat to anyone), without its worked
    example, which is there to be imitated."""
    return _EXAMPLE.sub("", load_template(prompt_dir, name).template)


def render(template: Template, **values: str) -> str:
    try:
        return template.substitute(values)
    except KeyError as e:
        raise InvalidArgumentError(f"prompt variable ${e.args[0]} has no value; pass it to render()") from e


def transcript_block(package: ContextPackage, max_chars: int = MAX_TRANSCRIPT_CHARS) -> str:
    """One line per turn, newest kept when the conversation is long."""
    lines = [f"{_SPEAKER[t.role]}: {quoted(t.text)}" for t in package.transcript]
    kept: list[str] = []
    total = 0
    for line in reversed(lines):
        total += len(line) + 1
        if total > max_chars:
            break
        kept.append(line)
    return "\n".join(reversed(kept))


def quoted(text: str) -> str:
    """One turn's text as an inert, quoted string on one line."""
    return json.dumps(_DELIMITER.sub(" ", neutralise(clean_text(text))), ensure_ascii=False)


def prose_messages(package: ContextPackage, brief: Brief, prompt_dir: Path) -> list[dict[str, str]]:
    text = render(
        load_template(prompt_dir, "handoff_prose"),
        issue=brief.issue.label or "not yet classified (see the conversation)",
        why_human=neutralise("; ".join(brief.why_human)) or "not stated",
        commitments=_DELIMITER.sub(" ", neutralise("; ".join(c.text for c in brief.commitments))) or "none",
        transcript=transcript_block(package),
    )
    return [{"role": "user", "content": text}]
