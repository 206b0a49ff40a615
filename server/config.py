"""Settings, read once: HANDOFF_* environment variables, then command-line flags.

Unknown HANDOFF_* keys are refused, so a typo fails loudly instead of being ignored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.errors import InvalidArgumentError
from server.privacy.redact import parse_kinds


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
    # the embedding model in a child process at this nice value, so it never delays an RPC;
    # -1 runs it in a thread of the server process instead
    embedding_nice: int = Field(10, ge=-1, le=19)
    # the model's arithmetic: bfloat16 is about 3x float32's speed on CPUs with AMX and nearly the
    # same vectors; auto takes it where the CPU has AMX (server/analysis/embedding.py)
    embedding_precision: Literal["auto", "float32", "bfloat16"] = "auto"
    issue_wait_ms: int = Field(10, ge=0)  # a turn's analysis waits this long at most for the issue label
    # analysed packages are written to the store behind the analysis, this often, in one batch
    # (the turns are the durable record; a crash loses at most this much analysis, redone on read);
    # 0 saves each package before it is published
    package_save_ms: int = Field(1000, ge=0, le=60_000)
    # the collector walks only the young generations by itself; a full collection (a pause that grows
    # with the open conversations) runs this often instead; 0: CPython's own schedule
    gc_full_every_s: float = Field(600, ge=0)
    # how long the event loop may keep the interpreter lock while another thread (SQLite, gRPC's
    # poller, the embedding process's pipe) waits for it; CPython's default is 5 ms
    gil_switch_ms: float = Field(0.5, gt=0, le=100)

    # handoff prose
    llm_model: str = ""
    llm_budget_ms: int = Field(2500, ge=0)
    default_wait_min_s: int = Field(60, ge=0)
    default_wait_max_s: int = Field(300, ge=1)

    # knowledge base
    kb_collection: str = "handoff-kb"
    chroma_url: str = ""

    grace_s: float = Field(5.0, ge=0)

    # transport security: TLS with a certificate + key (PEM); with a client CA, clients need a certificate it signed
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None

    # tenants: API keys as JSON {"tenant": ["sha256:<hex>" or key, ...]} or the path of such a file; empty: no keys
    api_keys: str = ""
    rate_limit_per_s: float = Field(0.0, ge=0)  # calls per second per tenant; 0: no limit
    rate_limit_burst: int = Field(0, ge=0)  # bucket size; 0: one second's worth
    max_streams_per_tenant: int = Field(1000, ge=1)  # concurrent streaming calls per tenant
    stream_queue_size: int = Field(64, ge=1)  # messages a stream holds for a slow reader before it stops reading
    max_streams_per_connection: int = Field(1000, ge=1)  # HTTP/2 concurrent streams on one connection
    keepalive_s: float = Field(300, gt=0)  # ping an idle connection this often; a dead peer is dropped
    max_connection_idle_s: float = Field(3600, ge=0)  # close a connection with no calls this long; 0: never

    # health: how often the stores are probed; how long a failed LLM call keeps handoff.v1.llm NOT_SERVING
    health_interval_s: float = Field(5.0, gt=0)
    llm_health_window_s: float = Field(60.0, gt=0)

    # Prometheus /metrics over HTTP on host: -1 off, 0 any free port
    metrics_port: int = Field(-1, ge=-1, le=65535)

    # personal data redacted per destination: all | none | a list of kinds (card,bank_account,iban,
    # ssn,nino,email,phone,address); storage off keeps what the context store holds verbatim
    redact_storage: str = "none"
    redact_llm: str = "all"
    redact_logs: str = "all"

    @field_validator("redact_storage", "redact_llm", "redact_logs")
    @classmethod
    def _redaction_kinds(cls, spec: str) -> str:
        parse_kinds(spec)  # a ValueError names the kinds there are
        return spec

    @model_validator(mode="after")
    def _wait_bounds(self) -> Settings:
        if self.default_wait_min_s > self.default_wait_max_s:
            raise ValueError("default_wait_min_s must not exceed default_wait_max_s")
        return self

    @model_validator(mode="after")
    def _tls_pairs(self) -> Settings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("give both tls_cert and tls_key (PEM files), or neither")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise ValueError("tls_client_ca (mutual TLS) needs tls_cert and tls_key too")
        return self


CLIENT_ONLY = frozenset({"HANDOFF_API_KEY"})  # read by the command-line clients (server.transport), not the server


def load_settings(**overrides: object) -> Settings:
    """Environment first, explicit overrides (CLI flags) on top; None means 'not given'."""
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = sorted(
        k for k in os.environ
        if k.startswith("HANDOFF_") and k[8:].lower() not in Settings.model_fields and k not in CLIENT_ONLY
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
