"""Duckling-style entities: times, numbers, quantities, contacts, found by bounded rules.

Baobab has no Haskell Duckling server; this module answers in Duckling's shape with
rule-based parsers written for English (the language Feersum's Duckling extractor
served). Every pattern is linear or bounded (no nested quantifiers), and the text is
already capped by the service's `max_text_chars`.

    extractor = DucklingExtractor(DateParser())
    extractor.extract("R250 for 5 km by tomorrow 3pm", reference_time=reference)
    # [DucklingEntity(body="R250", dim="amount-of-money", value="250", unit="ZAR", ...),
    #  DucklingEntity(body="5 km", dim="distance", value="5", unit="kilometre", ...),
    #  DucklingEntity(body="tomorrow 3pm", dim="time", value="2024-03-16T15:00:00.000+02:00",
    #                 grain="hour", ...)]

Dims and what each `value` and `unit` hold:

| dim | value | unit |
|---|---|---|
| `time` | ISO 8601 with offset, cut to `grain` (dateparser, see `dates.py`) | |
| `number` | the number ("25", "2.5"); English number words too ("twenty five") | |
| `ordinal` | the position ("1", "21") of "1st", "first", "twenty-first" | |
| `amount-of-money` | the amount | ISO 4217 code (ZAR, USD, EUR, GBP, ...) |
| `distance` | the amount | kilometre, metre, centimetre, millimetre, mile, yard, foot, inch |
| `duration` | the amount | second, minute, hour, day, week, month, year |
| `temperature` | the amount | celsius, fahrenheit, degree (no scale said) |
| `volume` | the amount | litre, millilitre, hectolitre, gallon |
| `email` | the address | |
| `phone-number` | E.164 ("+27821234567"; region ZA unless the text says otherwise) | |
| `url` | the URL as written | |

Overlaps are settled as Duckling's "most specific parse wins" does: an entity lying
strictly inside another one is dropped ("5" inside "5 km"), and a `time` that overlaps a
quantity, contact or URL gives way to it (dateparser reads "082 555 1234" as a date).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from nlu_service.engine.dates import DateParser

DIMS: tuple[str, ...] = (
    "time",
    "number",
    "ordinal",
    "amount-of-money",
    "distance",
    "duration",
    "email",
    "phone-number",
    "url",
    "temperature",
    "volume",
)
DEFAULT_REGION = "ZA"
MAX_ENTITIES = 200

# --- numbers -------------------------------------------------------------------------

_UNITS: dict[str, int] = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_UNITS.pop("oh")  # "oh" is a word far more often than a zero
_TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES: dict[str, int] = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
}  # fmt: skip
_ORDINAL_WORDS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
    "eightieth": 80, "ninetieth": 90, "hundredth": 100, "thousandth": 1000,
}  # fmt: skip

_WORD = re.compile(r"[A-Za-z]+")
# 1,250,000.50 | 1 250 000 | 2.5 | 2,5 (decimal comma) | 5k | 2 million
_DIGITS = re.compile(
    r"(?<![\d.,])(?<![A-QS-Za-z_])(?P<sign>-)?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+(?![\d])|\d+)"
    r"(?:[.,](?P<frac>\d+))?"
    r"(?:(?P<k>[kK])\b|\s*(?P<scale>(?i:hundred|thousand|million|billion|bn|m))\b)?"
)
_DIGIT_ORDINAL = re.compile(r"(?<![\w.])(\d{1,9})(?:st|nd|rd|th)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DucklingEntity:
    """One entity, as Duckling answers it: the text (`body`) and its span, dim and value."""

    body: str
    start: int
    end: int
    dim: str
    value: str
    type: str = "value"
    unit: str | None = None
    grain: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the wire form: every field, `unit` and `grain` only when they apply."""
        out = asdict(self)
        for key in ("unit", "grain"):
            if out[key] is None:
                del out[key]
        return out


@dataclass(frozen=True, slots=True)
class _Number:
    start: int
    end: int
    value: Decimal


def format_number(value: Decimal) -> str:
    """Return `value` as Duckling writes it: "25", "2.5", "-3" (no exponent, no trailing zeros)."""
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value.normalize(), "f")
    return text


def _digit_numbers(text: str) -> list[_Number]:
    found: list[_Number] = []
    for m in _DIGITS.finditer(text):
        integer = m.group("int").replace(",", "").replace(" ", "")
        frac = m.group("frac")
        raw_frac = m.group(0)[len(m.group("sign") or "") + len(m.group("int")) :]
        if frac and raw_frac.startswith(",") and len(frac) == 3:
            # "1,500" was read as 1 + ",500"; the thousands group wins.
            integer, frac = integer + frac, None
        try:
            value = Decimal(f"{integer}.{frac}" if frac else integer)
        except InvalidOperation:  # pragma: no cover - the pattern only admits digits
            continue
        if m.group("k"):
            value *= 1000
        scale = (m.group("scale") or "").lower()
        if scale:
            if scale == "m" and not _money_context(text, m.start()):
                # "5 m" is five metres; only "R5m" / "$5 m" is five million.
                end = m.end("frac") if frac else m.end("int")
                found.append(_Number(m.start(), end, _signed(value, m)))
                continue
            value *= {"bn": 1_000_000_000, "m": 1_000_000}.get(scale) or _SCALES[scale]
        found.append(_Number(m.start(), m.end(), _signed(value, m)))
    return found


def _signed(value: Decimal, m: re.Match[str]) -> Decimal:
    return -value if m.group("sign") else value


def _money_context(text: str, start: int) -> bool:
    return bool(_CURRENCY_BEFORE.search(text[max(0, start - 5) : start]))


def _word_numbers(text: str) -> list[_Number]:
    """Return runs of English number words ("two hundred and fifty", "twenty-five")."""
    words = [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    found: list[_Number] = []
    i = 0
    while i < len(words):
        word, start, _ = words[i]
        if word not in _UNITS and word not in _TENS and word not in _SCALES:
            if word == "a" and i + 1 < len(words) and words[i + 1][0] in ("hundred", "thousand"):
                pass  # "a hundred"
            else:
                i += 1
                continue
        total, current = 0, 0
        last_kind = ""  # unit, teen, tens, scale
        end = start
        j = i
        while j < len(words):
            w, w_start, w_end = words[j]
            gap = text[end:w_start] if j > i else ""
            if j > i and not re.fullmatch(r"[\s-]{1,3}", gap):
                break
            if w == "a" and j == i:
                current, last_kind = 1, "unit"
            elif w in _UNITS:
                n = _UNITS[w]
                if last_kind in ("unit", "teen") or (last_kind == "tens" and n >= 10):
                    break  # "one two", "twenty twelve": separate numbers
                current += n
                last_kind = "teen" if n >= 10 else "unit"
            elif w in _TENS:
                if last_kind in ("unit", "teen", "tens"):
                    break
                current += _TENS[w]
                last_kind = "tens"
            elif w in _SCALES:
                scale = _SCALES[w]
                if last_kind == "":
                    break
                if scale == 100:
                    current = (current or 1) * 100
                else:
                    total += (current or 1) * scale
                    current = 0
                last_kind = "scale"
            elif w == "and" and last_kind == "scale" and j + 1 < len(words):
                nxt = words[j + 1][0]
                if nxt in _UNITS or nxt in _TENS:
                    end = w_end
                    j += 1
                    continue
                break
            else:
                break
            end = w_end
            j += 1
        if last_kind:
            found.append(_Number(start, end, Decimal(total + current)))
            i = max(j, i + 1)
        else:
            i += 1
    return found


def find_numbers(text: str) -> list[_Number]:
    """Return every number in `text`, digits and words, left to right, without overlaps."""
    return sorted(_digit_numbers(text) + _word_numbers(text), key=lambda n: n.start)


def _ordinals(text: str) -> list[DucklingEntity]:
    found = [
        DucklingEntity(m.group(0), m.start(), m.end(), "ordinal", str(int(m.group(1))))
        for m in _DIGIT_ORDINAL.finditer(text)
    ]
    words = [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    for k, (word, start, end) in enumerate(words):
        if word not in _ORDINAL_WORDS:
            continue
        value = _ORDINAL_WORDS[word]
        # "twenty-first", "twenty first"
        if k > 0 and value < 10 and words[k - 1][0] in _TENS:
            prev, prev_start, prev_end = words[k - 1]
            if re.fullmatch(r"[\s-]{1,2}", text[prev_end:start]):
                value += _TENS[prev]
                start = prev_start
        found.append(DucklingEntity(text[start:end], start, end, "ordinal", str(value)))
    return found


# --- quantities: a number with a unit after it (or a currency before it) ------------

_CURRENCY_BEFORE = re.compile(r"(?:\bZAR|\bUSD|\bEUR|\bGBP|\bR|\$|€|£)\s?$")
_CURRENCY_PREFIX = re.compile(r"(ZAR|USD|EUR|GBP|R|\$|€|£)\s?$")
_PREFIX_CODES = {"ZAR": "ZAR", "R": "ZAR", "USD": "USD", "$": "USD", "EUR": "EUR",
                 "€": "EUR", "GBP": "GBP", "£": "GBP"}  # fmt: skip


def _suffix(pattern: str) -> re.Pattern[str]:
    return re.compile(r"[ \t]?(?:" + pattern + r")(?![A-Za-z])", re.IGNORECASE)


# (pattern after the number, dim, unit); first match wins, so longer words come first.
_SUFFIX_UNITS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (_suffix(r"rands?|zar"), "amount-of-money", "ZAR"),
    (_suffix(r"dollars?|usd|bucks"), "amount-of-money", "USD"),
    (_suffix(r"euros?|eur"), "amount-of-money", "EUR"),
    (_suffix(r"pounds? sterling|pounds?|gbp|quid"), "amount-of-money", "GBP"),
    (_suffix(r"cents?"), "amount-of-money", "cent"),
    (_suffix(r"kilomet(?:er|re)s?|kms?|kph"), "distance", "kilometre"),
    (_suffix(r"centimet(?:er|re)s?|cm"), "distance", "centimetre"),
    (_suffix(r"millimet(?:er|re)s?|mm"), "distance", "millimetre"),
    (_suffix(r"met(?:er|re)s?|m"), "distance", "metre"),
    (_suffix(r"miles?|mi"), "distance", "mile"),
    (_suffix(r"yards?|yds?"), "distance", "yard"),
    (_suffix(r"feet|foot|ft"), "distance", "foot"),
    (_suffix(r"inch(?:es)?|in\.(?!\w)"), "distance", "inch"),
    (_suffix(r"seconds?|secs?"), "duration", "second"),
    (_suffix(r"minutes?|mins?"), "duration", "minute"),
    (_suffix(r"hours?|hrs?|h"), "duration", "hour"),
    (_suffix(r"days?"), "duration", "day"),
    (_suffix(r"weeks?|wks?"), "duration", "week"),
    (_suffix(r"months?"), "duration", "month"),
    (_suffix(r"years?|yrs?"), "duration", "year"),
    (_suffix(r"°\s?c|(?:degrees? )?(?:celsius|centigrade)|degrees? c"), "temperature", "celsius"),
    (_suffix(r"°\s?f|(?:degrees? )?fahrenheit|degrees? f"), "temperature", "fahrenheit"),
    (_suffix(r"°|degrees?"), "temperature", "degree"),
    (_suffix(r"millilit(?:er|re)s?|ml"), "volume", "millilitre"),
    (_suffix(r"hectolit(?:er|re)s?|hl"), "volume", "hectolitre"),
    (_suffix(r"lit(?:er|re)s?|l"), "volume", "litre"),
    (_suffix(r"gallons?|gal"), "volume", "gallon"),
)
# "an hour", "a week", "half an hour": durations without digits.
_ARTICLE_DURATION = re.compile(
    r"\b(half an? |an? |one and a half )"
    r"(second|minute|hour|day|week|fortnight|month|year)\b",
    re.IGNORECASE,
)


def _quantities(text: str, numbers: list[_Number]) -> list[DucklingEntity]:
    found: list[DucklingEntity] = []
    for number in numbers:
        prefix = _CURRENCY_PREFIX.search(text[max(0, number.start - 4) : number.start])
        if prefix and (
            prefix.start() == 0
            or prefix.group(1) in "$€£"
            or _word_edge(text, number.start - len(prefix.group(0)))
        ):
            start = number.start - len(prefix.group(0))
            found.append(
                DucklingEntity(
                    text[start : number.end],
                    start,
                    number.end,
                    "amount-of-money",
                    format_number(number.value),
                    unit=_PREFIX_CODES[prefix.group(1).upper()],
                )
            )
            continue
        for pattern, dim, unit in _SUFFIX_UNITS:
            m = pattern.match(text, number.end)
            if m is None:
                continue
            value = number.value
            if unit == "cent":
                unit, value = "ZAR", value / 100
            found.append(
                DucklingEntity(
                    text[number.start : m.end()],
                    number.start,
                    m.end(),
                    dim,
                    format_number(value),
                    unit=unit,
                )
            )
            break
    for m in _ARTICLE_DURATION.finditer(text):
        lead = m.group(1).lower()
        unit = m.group(2).lower()
        amount = Decimal("0.5") if lead.startswith("half") else Decimal(1)
        if lead.startswith("one and a half"):
            amount = Decimal("1.5")
        if unit == "fortnight":
            unit, amount = "week", amount * 2
        found.append(
            DucklingEntity(
                m.group(0), m.start(), m.end(), "duration", format_number(amount), unit=unit
            )
        )
    return found


def _word_edge(text: str, index: int) -> bool:
    return index <= 0 or not text[index - 1].isalnum()


# --- contacts -------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
    r"\.[A-Za-z]{2,24}\b"
)
_URL = re.compile(
    r"(?<![\w@.])(?:(?:https?|ftp)://[^\s<>\"']{1,2000}"
    r"|www\.[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}(?:[/?#][^\s<>\"']{0,2000})?"
    r"|[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,6}\.(?:com|org|net|za|io|gov|edu|info|co)"
    r"(?:\.[a-z]{2})?(?:/[^\s<>\"']{0,2000})?)"
    r"(?![\w@])",
    re.IGNORECASE,
)
_TRAILING_PUNCT = ".,;:!?)]}'\""


def _emails(text: str) -> list[DucklingEntity]:
    return [
        DucklingEntity(m.group(0), m.start(), m.end(), "email", m.group(0))
        for m in _EMAIL.finditer(text)
    ]


def _urls(text: str) -> list[DucklingEntity]:
    found: list[DucklingEntity] = []
    for m in _URL.finditer(text):
        body = m.group(0).rstrip(_TRAILING_PUNCT)
        if not body:
            continue
        found.append(DucklingEntity(body, m.start(), m.start() + len(body), "url", body))
    return found


def _phones(text: str, region: str) -> list[DucklingEntity]:
    import phonenumbers

    found: list[DucklingEntity] = []
    for match in phonenumbers.PhoneNumberMatcher(
        text, region, leniency=phonenumbers.Leniency.VALID
    ):
        value = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        found.append(
            DucklingEntity(match.raw_string, match.start, match.end, "phone-number", value)
        )
    return found


# --- time -----------------------------------------------------------------------------

_YIELDS_TO: frozenset[str] = frozenset(
    {"amount-of-money", "distance", "duration", "temperature", "volume", "email",
     "phone-number", "url"}
)  # fmt: skip


# dateparser's matches can run on over joining words ("the 21st and the").
_TRAILING_WORDS = re.compile(
    r"(?:[\s,]+(?:and|or|the|a|an|of|to|at|on|in|for|with|by|from))+[\s,]*$|[\s,.]+$",
    re.IGNORECASE,
)
_LONE_TIME_WORDS = frozenset(
    """
    today tomorrow yesterday tonight now noon midnight weekend morning afternoon evening
    monday tuesday wednesday thursday friday saturday sunday january february march
    april june july august september october november december
    """.split()
)
_BARE_NUMBER = re.compile(r"[\d\s.,]+")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")


def _times(
    parser: DateParser, text: str, reference_time: datetime, languages: list[str] | None
) -> list[DucklingEntity]:
    found: list[DucklingEntity] = []
    cursor = 0
    for mention in parser.parse(text, reference_time=reference_time, languages=languages):
        body = _TRAILING_WORDS.sub("", mention.text.strip())
        if not body or (_BARE_NUMBER.fullmatch(body) and not _YEAR.fullmatch(body)):
            continue  # "2,5" or "12" alone is a number, not a date
        if _WORD.fullmatch(body) and body.lower() not in _LONE_TIME_WORDS:
            continue  # dateparser reads some lone words ("more") as dates
        start = text.find(body, cursor)
        if start < 0:
            start = text.find(body)
        if start < 0:
            continue  # words dateparser altered; no span to report
        cursor = start + len(body)
        found.append(
            DucklingEntity(
                body, start, start + len(body), "time", mention.iso(), grain=mention.granularity
            )
        )
    return found


_HIDES_NUMBERS = frozenset({"ordinal", "phone-number", "email", "url"})


def _settle(entities: list[DucklingEntity]) -> list[DucklingEntity]:
    """Drop times that overlap a quantity and entities inside another; sort by position."""
    unique = list(dict.fromkeys(entities))

    def strictly_inside(inner: DucklingEntity, outer: DucklingEntity) -> bool:
        return (
            outer.start <= inner.start
            and inner.end <= outer.end
            and (outer.end - outer.start) > (inner.end - inner.start)
        )

    def overlaps(a: DucklingEntity, b: DucklingEntity) -> bool:
        return a.start < b.end and b.start < a.end

    # A time gives way to any quantity, contact or URL it overlaps ("0825551234 now" is
    # no date), except a duration it holds ("in 3 days").
    survivors = [
        e
        for e in unique
        if e.dim != "time"
        or not any(
            other.dim in _YIELDS_TO
            and overlaps(e, other)
            and not (other.dim == "duration" and strictly_inside(other, e))
            for other in unique
        )
    ]
    kept = [
        e
        for e in survivors
        if not any(
            other is not e
            and (
                strictly_inside(e, other)
                or (e.dim == "number" and other.dim in _HIDES_NUMBERS and overlaps(e, other))
            )
            for other in survivors
        )
    ]
    kept.sort(key=lambda e: (e.start, e.end, DIMS.index(e.dim)))
    return kept[:MAX_ENTITIES]


class DucklingExtractor:
    """The rule-based parsers of every dim, and dateparser (shared, locked) for `time`."""

    def __init__(self, date_parser: DateParser, region: str = DEFAULT_REGION) -> None:
        self.date_parser = date_parser
        self.region = region

    def extract(
        self,
        text: str,
        *,
        reference_time: datetime,
        dims: list[str] | None = None,
        languages: list[str] | None = None,
    ) -> list[DucklingEntity]:
        """Return the entities of `dims` (default: all) in `text`, left to right.

        Every dim but `time` is parsed whatever `dims` says, so that "5" in "5 km" is not
        reported as a number when only numbers are asked for; the answer is then
        filtered. `time` (dateparser, the slow part) runs only when it is asked for.
        """
        wanted = set(dims) if dims else set(DIMS)
        unknown = wanted - set(DIMS)
        if unknown:
            raise ValueError(f"unknown dims: {sorted(unknown)}")
        numbers = find_numbers(text)
        entities = [
            DucklingEntity(text[n.start : n.end], n.start, n.end, "number", format_number(n.value))
            for n in numbers
        ]
        entities += _ordinals(text)
        entities += _quantities(text, numbers)
        entities += _emails(text)
        entities += _urls(text)
        entities += _phones(text, self.region)
        if "time" in wanted:
            # dateparser glues neighbouring words onto dates ("0825551234 now", "R250
            # tomorrow" read as nothing); it reads the text with quantities and contacts
            # blanked out, offsets unchanged.
            masked = list(text)
            for e in _settle(entities):
                if e.dim in _YIELDS_TO and e.dim != "duration":
                    masked[e.start : e.end] = " " * (e.end - e.start)
            entities += _times(self.date_parser, "".join(masked), reference_time, languages)
        return [e for e in _settle(entities) if e.dim in wanted]
