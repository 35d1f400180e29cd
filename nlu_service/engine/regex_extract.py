"""Regular-expression entities, matched by RE2: linear time whatever the pattern.

Tenants write the patterns, so Python's backtracking `re` is not used: `(a+)+$` on a
long text would hold a worker thread for minutes. RE2 (google-re2, BSD-3-Clause) runs
in time linear in the text and refuses what it cannot do in linear time (backreferences,
lookaround); its syntax is otherwise Python's (`(?P<name>...)`, `\\d`, `(?i)`, ...).
https://github.com/google/re2/wiki/Syntax

    extractor = RegexExtractor.compile(r"(?P<license>[A-Z]{3} ?[0-9]{3} ?GP)")
    extractor.extract("plate ZNX 450 GP")
    # [{"license": "ZNX 450 GP", "_all_groups": "ZNX 450 GP"}]

Each entity is one match: every named group's text (null when that group took no part
in the match) and `_all_groups`, the text of the whole match. Empty matches are skipped.
"""

from __future__ import annotations

import functools
import re
from typing import Any

ALL_GROUPS = "_all_groups"
MAX_PATTERN_CHARS = 1_000
MAX_MATCHES = 100
# RE2's memory budget per compiled pattern (program and DFA cache); a pattern whose
# program does not fit is refused at compile time.
MAX_MEMORY_BYTES = 2 << 20

# Group names as written; RE2 keeps only the first of two groups with one name.
_GROUP_NAME = re.compile(r"(?<!\\)\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>")


class InvalidPattern(ValueError):
    """A pattern RE2 cannot compile, or one over the limits."""


class RegexExtractor:
    """A compiled RE2 pattern that lists its matches as Feersum regex entities."""

    def __init__(self, pattern: str, compiled: Any) -> None:
        self.pattern = pattern
        self._compiled = compiled
        self.group_names: list[str] = sorted(
            compiled.groupindex, key=lambda name: compiled.groupindex[name]
        )

    @classmethod
    def compile(cls, pattern: str) -> RegexExtractor:
        """Return the extractor of `pattern`; `InvalidPattern` says why RE2 refuses it."""
        return _compile_cached(pattern)

    def extract(self, text: str, max_matches: int = MAX_MATCHES) -> list[dict[str, str | None]]:
        """Return up to `max_matches` non-empty, non-overlapping matches, left to right."""
        entities: list[dict[str, str | None]] = []
        for match in self._compiled.finditer(text):
            whole = match.group(0)
            if not whole:
                continue
            entity: dict[str, str | None] = {name: match.group(name) for name in self.group_names}
            entity[ALL_GROUPS] = whole
            entities.append(entity)
            if len(entities) >= max_matches:
                break
        return entities


def check_pattern(pattern: str) -> None:
    """Raise `InvalidPattern` unless RE2 compiles `pattern` within the limits."""
    RegexExtractor.compile(pattern)


@functools.lru_cache(maxsize=512)
def _compile_cached(pattern: str) -> RegexExtractor:
    import re2

    if not pattern:
        raise InvalidPattern("the regex is empty")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise InvalidPattern(
            f"the regex is {len(pattern)} characters long; the limit is {MAX_PATTERN_CHARS}"
        )
    names = _GROUP_NAME.findall(pattern)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidPattern(f"the group name '{repeated[0]}' is used more than once")
    if ALL_GROUPS in names:
        raise InvalidPattern(f"'{ALL_GROUPS}' is reserved for the whole match")
    options = re2.Options()
    options.max_mem = MAX_MEMORY_BYTES
    options.log_errors = False
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else str(exc)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise InvalidPattern(
            f"the regex cannot be used: {reason} (RE2 syntax: no backreferences or lookaround)"
        ) from exc
    return RegexExtractor(pattern, compiled)
