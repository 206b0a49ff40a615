"""API keys and the tenants they belong to.

Configured as JSON ``{"tenant": ["sha256:<hex>" or the key itself, ...]}``, inline
or in a file. Only SHA-256 digests are kept; a presented key is hashed and
compared with every digest by ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path

from server.errors import InvalidArgumentError

HASHED = "sha256:"
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_HEX = re.compile(r"^[0-9a-f]{64}$")


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


class ApiKeys:
    def __init__(self, digests: list[tuple[bytes, str]]) -> None:
        self._digests = digests  # (sha256 of the key, tenant)

    def __bool__(self) -> bool:
        return bool(self._digests)

    def tenant_for(self, key: str) -> str | None:
        presented = digest(key)
        found = None
        for known, tenant in self._digests:  # no early exit: the time taken says nothing about the keys
            if hmac.compare_digest(presented, known):
                found = tenant
        return found

    @classmethod
    def parse(cls, config: str) -> ApiKeys:
        """From the HANDOFF_API_KEYS value: JSON, or the path of a JSON file; empty means no keys."""
        config = config.strip()
        if not config:
            return cls([])
        if not config.startswith(("{", "[")):
            try:
                config = Path(config).read_text(encoding="utf-8")
            except OSError as e:
                raise InvalidArgumentError(f"HANDOFF_API_KEYS: cannot read the key file {config}: {e}") from e
        try:
            mapping = json.loads(config)
        except ValueError as e:
            raise InvalidArgumentError(f"HANDOFF_API_KEYS is not valid JSON: {e}") from e
        return cls(_digests(mapping))


def _digests(mapping: object) -> list[tuple[bytes, str]]:
    usage = 'HANDOFF_API_KEYS must look like {"tenant": ["sha256:<64 hex digits>" or the key, ...]}'
    if not isinstance(mapping, dict):
        raise InvalidArgumentError(usage)
    out: list[tuple[bytes, str]] = []
    for tenant, keys in mapping.items():
        if not _TENANT.match(str(tenant)):
            raise InvalidArgumentError(f"tenant name {tenant!r}: letters, digits, '_', '.', '-'; at most 64")
        if isinstance(keys, str):
            keys = [keys]
        if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
            raise InvalidArgumentError(usage)
        out.extend((_one_digest(k), str(tenant)) for k in keys)
    known = [d for d, _ in out]
    if len(set(known)) != len(known):
        raise InvalidArgumentError("HANDOFF_API_KEYS: the same key is given twice")
    return out


def _one_digest(key: str) -> bytes:
    if key.startswith(HASHED):
        hexdigest = key[len(HASHED) :].lower()
        if not _HEX.match(hexdigest):
            raise InvalidArgumentError(f"a {HASHED} key needs 64 hex digits (sha256sum of the key)")
        return bytes.fromhex(hexdigest)
    return digest(key)
