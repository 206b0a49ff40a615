"""Customer data protection: finding and redacting personal data (cards, bank details,
national ids, emails, phones, addresses) for storage, LLM calls and logs."""

from server.privacy.detect import Finding, Kind, find_pii
from server.privacy.redact import NO_REDACTION, Redactor, parse_kinds

__all__ = ["NO_REDACTION", "Finding", "Kind", "Redactor", "find_pii", "parse_kinds"]
