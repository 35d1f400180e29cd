"""Dates in free text: dateparser's search, relative to a reference time, with a granularity.

dateparser (BSD-3-Clause) ships its locale data inside the package, so nothing is
fetched. Of the South African languages it knows English (`en`), Afrikaans (`af`) and
isiZulu (`zu`); a text with no usable hint is searched in those three.

    parser = DateParser()
    parser.warmup()                       # the first search loads locale data (~0.5 s)
    parser.parse("see you tomorrow at 3pm", reference_time=parse_reference_time("2024-03-15 10:00+02:00"))
    # [DateMention(value=datetime(2024, 3, 16, 15, 0, tzinfo=+02:00), granularity="hour", text=...)]

Each value is cut to the start of its granularity (`month` -> the 1st at 00:00, `week`
-> its Monday, `day` -> 00:00), so "in June 1981" is 1981-06-01T00:00 with `month`.
A value without a zone in the text takes the reference time's zone.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Granularity = Literal["second", "minute", "hour", "day", "week", "month", "year"]

# dateparser's codes for the South African languages it has locale data for.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "af", "zu")
# ISO 639-3 hints (the Feersum `lang_code`) and their ISO 639-1 twins.
_LANGUAGE_HINTS: dict[str, str] = {
    "eng": "en",
    "en": "en",
    "afr": "af",
    "af": "af",
    "zul": "zu",
    "zu": "zu",
}

_SECONDS = re.compile(r"\d:\d{2}:\d{2}")
_MINUTES = re.compile(r"\d[:h]\d{2}", re.IGNORECASE)
# English phrases dateparser reads wrongly ("the day after tomorrow" comes back as
# tomorrow), rewritten into ones it reads right. The mention still reports the user's
# words: `_Rewritten` maps the rewritten text's spans back onto the original's.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b", re.IGNORECASE), "in 2 days"),
    (re.compile(r"\b(?:the\s+)?day\s+before\s+yesterday\b", re.IGNORECASE), "2 days ago"),
)
_ANY_REWRITE = re.compile(
    "|".join(f"(?:{pattern.pattern})" for pattern, _ in _REWRITES), re.IGNORECASE
)
# A lone word this short ("we", "sa", "may", "sun") is a weekday or month abbreviation
# far less often than it is an ordinary word, so such matches are dropped.
_MIN_LONE_WORD = 4


class InvalidReferenceTime(ValueError):
    """A reference time that is not 'YYYY-MM-DD[ hh:mm[:ss]][+hh:mm]'."""


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date found in a text: its value, how specific it is, and the words that said it."""

    value: datetime
    granularity: Granularity
    text: str

    def iso(self) -> str:
        """Return the value as ISO 8601 with milliseconds and offset, Feersum style."""
        return self.value.isoformat(timespec="milliseconds")


def zone(name: str) -> tzinfo:
    """Return the time zone called `name` (an IANA name such as 'Africa/Johannesburg', or 'UTC')."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidReferenceTime(f"unknown time zone '{name}'") from exc


def parse_reference_time(text: str, default_zone: tzinfo = UTC) -> datetime:
    """Return the aware datetime of 'YYYY-MM-DD', 'YYYY-MM-DD hh:mm' or 'YYYY-MM-DD hh:mm+hh:mm'.

    Without an offset the time is in `default_zone`.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidReferenceTime(
            f"reference_time '{text}' is not a date like '2017-12-01', '2017-12-01 10:00' "
            "or '2017-12-01 10:00+02:00'"
        ) from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=default_zone)


def languages_for(lang_code: str | None) -> list[str]:
    """Return the dateparser languages to search for a Feersum `lang_code` hint.

    A hint for a language dateparser has no data for (isiXhosa, Sesotho, ...) or no hint
    searches every supported language: such texts often give dates in English.
    """
    if lang_code:
        language = _LANGUAGE_HINTS.get(lang_code.strip().lower())
        if language is not None:
            return [language]
    return list(SUPPORTED_LANGUAGES)


def _truncate(value: datetime, granularity: Granularity) -> datetime:
    if granularity == "second":
        return value.replace(microsecond=0)
    if granularity == "minute":
        return value.replace(second=0, microsecond=0)
    if granularity == "hour":
        return value.replace(minute=0, second=0, microsecond=0)
    day = value.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "year":
        return day.replace(month=1, day=1)
    return day


def _granularity(period: str | None, value: datetime, text: str) -> Granularity:
    if period in ("year", "month", "week", "day"):
        return period  # type: ignore[return-value]
    if period == "part_of_day":  # "this evening": dateparser picks an hour
        return "hour"
    # A clock time: as specific as the text wrote it, or as the value came out.
    if value.second or value.microsecond or _SECONDS.search(text):
        return "second"
    if value.minute or _MINUTES.search(text):
        return "minute"
    return "hour"


@dataclass(frozen=True, slots=True)
class _Rewritten:
    """A text with `_REWRITES` applied, and the (rewritten span, original span) of each."""

    original: str
    text: str
    spans: tuple[tuple[int, int, int, int], ...]  # (new start, new end, old start, old end)

    @classmethod
    def of(cls, original: str) -> _Rewritten:
        pieces: list[str] = []
        spans: list[tuple[int, int, int, int]] = []
        done = length = 0
        for m in _ANY_REWRITE.finditer(original):
            replacement = next(new for pattern, new in _REWRITES if pattern.fullmatch(m.group()))
            pieces.append(original[done : m.start()])
            length += m.start() - done
            spans.append((length, length + len(replacement), m.start(), m.end()))
            pieces.append(replacement)
            length += len(replacement)
            done = m.end()
        pieces.append(original[done:])
        return cls(original, "".join(pieces), tuple(spans))

    def _old(self, index: int, *, end: bool) -> int:
        """Return the original offset of a rewritten offset (a rewritten phrase is atomic)."""
        shift = 0
        for new_start, new_end, old_start, old_end in self.spans:
            if index < new_start or (end and index == new_start):
                break
            if index < new_end or (end and index == new_end):
                return old_end if end else old_start
            shift = old_end - new_end
        return index + shift

    def words(self, found: str, cursor: int) -> tuple[str, int]:
        """Return the original words of `found` (searched from `cursor`) and the next cursor."""
        if not self.spans:
            return found, cursor
        start = self.text.find(found, cursor)
        if start < 0:
            start = self.text.find(found)
        if start < 0:
            return found, cursor
        end = start + len(found)
        return self.original[self._old(start, end=False) : self._old(end, end=True)], end


class DateParser:
    """dateparser's `search_dates` behind a lock: its locale caches are process-wide."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def warmup(self) -> None:
        """Load the locale data of every supported language (the first search is slow)."""
        reference = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
        for sentence, language in (
            ("see you tomorrow at 3pm", "en"),
            ("sien jou môre om 3", "af"),
            ("sizobonana kusasa", "zu"),
        ):
            self.parse(sentence, reference_time=reference, languages=[language])
        self.parse("on 5 January 2017", reference_time=reference)

    def parse(
        self,
        text: str,
        *,
        reference_time: datetime,
        languages: list[str] | None = None,
    ) -> list[DateMention]:
        """Return the dates in `text`, relative dates counted from the aware `reference_time`."""
        from dateparser.search import search_dates

        if reference_time.tzinfo is None:
            raise ValueError("reference_time must carry a time zone")
        rewritten = _Rewritten.of(text)
        settings: dict[str, Any] = {
            # dateparser counts in the reference's wall-clock time; the zone is added after.
            "RELATIVE_BASE": reference_time.replace(tzinfo=None),
            "RETURN_TIME_AS_PERIOD": True,
        }
        with self._lock:
            found = search_dates(
                rewritten.text,
                languages=languages or list(SUPPORTED_LANGUAGES),
                settings=settings,
                add_period=True,
            )
        mentions: list[DateMention] = []
        cursor = 0
        for item in found or []:
            value, period = item[1], item[2]
            words, cursor = rewritten.words(item[0], cursor)
            if " " not in words.strip() and len(words.strip()) < _MIN_LONE_WORD:
                if not any(c.isdigit() for c in words):
                    continue
            if value.tzinfo is None:
                value = value.replace(tzinfo=reference_time.tzinfo)
            granularity = _granularity(period, value, words)
            mentions.append(DateMention(_truncate(value, granularity), granularity, words))
        return mentions
