"""Date parsing: the pre-built `generic` instance, dateparser on one worker thread.

Relative dates ("tomorrow at 3pm") count from now in `settings.date_parser_timezone`,
and a date with no zone in the text gets that zone.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from nlu_service.config import Settings
from nlu_service.date_parsers.schemas import DateEntity
from nlu_service.engine.dates import DateParser, languages_for, zone
from nlu_service.sentiment_detectors.service import check_text
from shared import NotFound, RateLimited
from shared.wire import TextInput

GENERIC = "generic"
# Calls waiting for the parser thread; a 2,000-character text takes about 0.25 s, so a
# full queue is a wait of seconds, not minutes.
MAX_PENDING = 64


class DateParserService:
    """The date-parser operations; every tenant shares the one pre-built parser."""

    def __init__(self, parser: DateParser, settings: Settings) -> None:
        self.parser = parser
        self.settings = settings
        self.zone = zone(settings.date_parser_timezone)
        # dateparser serialises on its own lock; one thread keeps waiting calls off the
        # shared pool that the other resources' blocking work uses.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="date-parser")
        self._pending = 0

    async def warmup(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self.parser.warmup)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def retrieve(self, tenant: str, name: str, text_input: TextInput) -> list[DateEntity]:
        if name != GENERIC:
            raise NotFound(f"date parser '{name}' not found; the pre-built one is 'generic'")
        text = check_text(text_input.text, self.settings.max_text_chars)
        reference = datetime.now(self.zone)
        languages = languages_for(text_input.lang_code)

        def parse() -> list[DateEntity]:
            found = self.parser.parse(text, reference_time=reference, languages=languages)
            return [DateEntity(value=m.iso(), granularity=m.granularity) for m in found]

        # A full queue answers 429 at once rather than letting callers wait without bound.
        if self._pending >= MAX_PENDING:
            raise RateLimited("the date parser is busy; try again shortly", retry_after_s=1)
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, parse)
        finally:
            self._pending -= 1
