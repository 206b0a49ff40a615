"""The deployment's issue taxonomy, loaded once at start-up.

A taxonomy file (JSON, or TOML) lists labels, each with a description and
optional examples, a group, a complexity and whether it is beyond the bot; the
actions the bot can take; and fact types of the deployment's own:

    {"labels": [{"name": "delivery_delay", "group": "shipping",
                 "description": "The order is late ...", "examples": ["where is my parcel"],
                 "complexity": "medium", "beyond_bot": false}],
     "actions": [{"name": "send-reset-link", "description": "..."}],
     "facts": [{"name": "policy_number", "pattern": "\\b(POL-\\d{6})\\b"}]}

A folder in ABCD's layout (ontology.json, guidelines.json, kb.json) is read as
ABCD's taxonomy: its subflows as labels, described by their guideline text,
grouped under their flows, with the ontology's actions.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from server.context.model import Model
from server.errors import InvalidArgumentError

DEFAULT_TAXONOMY = Path(__file__).resolve().parent / "default_taxonomy.json"


class Label(Model):
    name: str = Field(min_length=1)
    group: str = ""
    title: str = ""
    description: str = Field(min_length=1)
    examples: list[str] = Field(default_factory=list)
    complexity: str = Field("medium", pattern="^(low|medium|high)$")
    beyond_bot: bool = False
    required_actions: list[str] = Field(default_factory=list)


class Action(Model):
    name: str = Field(min_length=1)
    description: str = ""


class DeclaredFact(Model):
    """A fact type of the deployment's own: a regular expression (group 1 is the value) and/or keywords."""

    name: str = Field(min_length=1)
    pattern: str = ""
    keywords: list[str] = Field(default_factory=list)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as e:
            raise ValueError(f"pattern does not compile: {e}") from e
        return pattern


class Taxonomy(Model):
    labels: list[Label] = Field(min_length=1)
    actions: list[Action] = Field(default_factory=list)
    facts: list[DeclaredFact] = Field(default_factory=list)

    @property
    def action_names(self) -> list[str]:
        return [a.name for a in self.actions]

    @property
    def action_descriptions(self) -> dict[str, str]:
        return {a.name: a.description for a in self.actions if a.description}

    def label(self, name: str) -> Label | None:
        return next((label for label in self.labels if label.name == name), None)


def load_taxonomy(path: Path | None) -> Taxonomy:
    path = path or DEFAULT_TAXONOMY
    if path.is_dir():
        if not (path / "ontology.json").exists():
            raise InvalidArgumentError(f"taxonomy folder {path} has no ontology.json (ABCD layout expected)")
        from server.analysis.abcd_taxonomy import load_abcd

        return load_abcd(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw: Any = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as e:
        raise InvalidArgumentError(f"cannot read taxonomy {path}: {e}") from e
    try:
        taxonomy = Taxonomy.model_validate(raw)
    except ValidationError as e:
        raise InvalidArgumentError(f"invalid taxonomy {path}: {_first_error(e)}") from e
    names = [label.name for label in taxonomy.labels]
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"invalid taxonomy {path}: label names must be unique")
    return taxonomy


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']} ({error.error_count()} problem(s) in all)"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())
