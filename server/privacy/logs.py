"""A logging filter that redacts personal data from records before any handler writes them."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from server.privacy.redact import Redactor


class RedactingFilter(logging.Filter):
    """Replaces the record's message (its args merged in) and exception text with redacted text."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.redactor:
            return True
        message = record.getMessage()
        redacted = self.redactor.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        return True


def install_log_redaction(redactor: Redactor, handlers: Iterable[logging.Handler] | None = None) -> RedactingFilter:
    """Puts one filter on each handler (the root logger's by default), replacing an earlier one."""
    chosen = list(logging.getLogger().handlers if handlers is None else handlers)
    installed = RedactingFilter(redactor)
    for handler in chosen:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(installed)
    return installed
