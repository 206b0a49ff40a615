"""What a deployment configures about briefs: the LLM, its budget, waits, sections."""

from __future__ import annotations

from pathlib import Path
from string import Template

from pydantic import Field, field_validator, model_validator

from server.config import Settings
from server.context.model import Model
from server.privacy.redact import Redactor, parse_kinds

PROMPT_DIR = Path(__file__).resolve().parents[2] / "prompts"
SECTION_VARIABLES = frozenset(
    {"issue", "summary", "why_human", "focus", "facts", "bot_told", "commitments", "steps", "sentiment", "prior_contacts"}
)


class BriefSettings(Model):
    model: str = ""  # litellm model string; "" means deterministic prose only
    budget_ms: int = Field(2500, ge=0)
    default_wait_min_s: int = Field(60, ge=0)
    default_wait_max_s: int = Field(300, ge=1)
    max_wait_s: int = Field(3600, ge=1)  # the longest wait ever announced, whatever the queue says
    prompt_dir: Path = PROMPT_DIR
    max_tokens: int = Field(320, ge=16)
    temperature: float = 0.0
    redact_llm: str = "all"  # personal data kinds redacted from what is sent to the model (HANDOFF_REDACT_LLM)
    # A deployment's own sections: name -> string.Template over SECTION_VARIABLES.
    sections: dict[str, str] = Field(default_factory=dict)

    @field_validator("sections")
    @classmethod
    def _known_variables(cls, sections: dict[str, str]) -> dict[str, str]:
        for name, template in sections.items():
            unknown = set(Template(template).get_identifiers()) - SECTION_VARIABLES
            if unknown:
                raise ValueError(
                    f"section {name!r} uses unknown variable(s) {sorted(unknown)}; "
                    f"use any of {sorted(SECTION_VARIABLES)}"
                )
        return sections

    @field_validator("redact_llm")
    @classmethod
    def _redaction_kinds(cls, spec: str) -> str:
        parse_kinds(spec)
        return spec

    @property
    def redactor(self) -> Redactor:
        return Redactor.from_setting(self.redact_llm)

    @model_validator(mode="after")
    def _wait_bounds(self) -> BriefSettings:
        if not self.default_wait_min_s <= self.default_wait_max_s <= self.max_wait_s:
            raise ValueError("need default_wait_min_s <= default_wait_max_s <= max_wait_s")
        return self

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> BriefSettings:
        values: dict[str, object] = {
            "model": settings.llm_model,
            "budget_ms": settings.llm_budget_ms,
            "default_wait_min_s": settings.default_wait_min_s,
            "default_wait_max_s": settings.default_wait_max_s,
            "redact_llm": settings.redact_llm,
        }
        return cls.model_validate({**values, **overrides})
