"""Settings, read once: HANDOFF_* environment variables, then command-line flags.

Unknown HANDOFF_* keys are refused, so a typo fails loudly instead of being ignored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.errors import InvalidArgumentError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HANDOFF_", extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(50051, ge=0, le=65535)
    data_dir: Path = Path("handoff-data")
    store: Literal["sqlite", "redis"] = "sqlite"
    redis_url: str = "redis://127.0.0.1:6379/0"
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"

    # limits
    max_message_bytes: int = Field(1 << 20, ge=1024)
    max_turn_chars: int = Field(8000, ge=1)
    max_turns_per_conversation: int = Field(2000, ge=1)
    max_id_chars: int = Field(128, ge=8)

    # lifecycle
    inactivity_timeout_s: float = Field(24 * 3600, gt=0)
    retention_s: float = Field(30 * 24 * 3600, gt=0)
    housekeeping_interval_s: float = Field(60, gt=0)

    # analysis
    taxonomy: Path | None = None
    escalation_policy: Path | None = None
    reply_policy: Path | None = None
    embeddings: bool = True
    issue_wait_ms: int = Field(10, ge=0)  # a turn's analysis waits this long at most for the issue label

    # handoff prose
    llm_model: str = ""
    llm_budget_ms: int = Field(2500, ge=0)
    default_wait_min_s: int = Field(60, ge=0)
    default_wait_max_s: int = Field(300, ge=1)

    # knowledge base
    kb_collection: str = "handoff-kb"
    chroma_url: str = ""

    grace_s: float = Field(5.0, ge=0)

    # health: how often the stores are probed; how long a failed LLM call keeps handoff.v1.llm NOT_SERVING
    health_interval_s: float = Field(5.0, gt=0)
    llm_health_window_s: float = Field(60.0, gt=0)

    # Prometheus /metrics over HTTP on host: -1 off, 0 any free port
    metrics_port: int = Field(-1, ge=-1, le=65535)

    @model_validator(mode="after")
    def _wait_bounds(self) -> Settings:
        if self.default_wait_min_s > self.default_wait_max_s:
            raise ValueError("default_wait_min_s must not exceed default_wait_max_s")
        return self


def load_settings(**overrides: object) -> Settings:
    """Environment first, explicit overrides (CLI flags) on top; None means 'not given'."""
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = sorted(
        k for k in os.environ if k.startswith("HANDOFF_") and k[8:].lower() not in Settings.model_fields
    )
    if unknown:
        raise InvalidArgumentError(
            f"unknown setting(s) {', '.join(unknown)}; known: "
            + ", ".join("HANDOFF_" + k.upper() for k in Settings.model_fields)
        )
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as e:
        raise InvalidArgumentError(f"invalid settings: {e}") from e
