"""Everything the test suite produced that could carry the API key: every llmstream error
constructed, every log record, every warning. tests/test_secrets.py searches it all."""

from __future__ import annotations

import logging
from typing import Any

errors: list[Any] = []
records: list[logging.LogRecord] = []
warnings: list[str] = []
texts: list[str] = []
"""Anything else a test produced with the key at hand: files llmstream wrote (cassettes)..."""


class RecordAll(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        records.append(record)
