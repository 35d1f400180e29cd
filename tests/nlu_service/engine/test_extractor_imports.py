"""The sentiment, date and regex engines load no training, web or database code."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ["torch", "transformers", "sklearn", "scipy", "fastapi", "sqlalchemy", "redis", "httpx"]

SCRIPT = """
import json, sys
from datetime import UTC, datetime
from nlu_service.engine.dates import DateParser
from nlu_service.engine.regex_extract import RegexExtractor
from nlu_service.engine.sentiment import SentimentDetector
answers = [
    SentimentDetector.load().detect("great!").value > 0,
    bool(DateParser().parse("tomorrow", reference_time=datetime(2024, 1, 1, tzinfo=UTC))),
    RegexExtractor.compile(r"\\d+").extract("a 12")[0]["_all_groups"] == "12",
]
print(json.dumps({"answers": answers, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_engines_import_nothing_heavy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["answers"] == [True, True, True]
    assert sorted(set(FORBIDDEN) & set(report["modules"])) == []
