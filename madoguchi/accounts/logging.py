"""A JSON formatter for the audit log stream (logger `madoguchi.audit`), one object per line, for syslog or a
log shipper. Only ids, codes and counts are in audit rows, so nothing personal leaves the server this way."""

from __future__ import annotations

import json
import logging


class AuditJsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "logger": record.name,
            **(getattr(record, "audit", None) or {"message": record.getMessage()}),
        }
        return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
