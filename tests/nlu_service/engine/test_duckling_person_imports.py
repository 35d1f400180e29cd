"""The duckling and person-name engines load no training, web or database code."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ["torch", "transformers", "sklearn", "scipy", "fastapi", "sqlalchemy", "redis", "httpx"]

SCRIPT = """
import json, sys
from datetime import UTC, datetime
from nlu_service.engine.dates import DateParser
from nlu_service.engine.duckling import DucklingExtractor
from nlu_service.engine.person_names import PersonNameExtractor
reference = datetime(2024, 1, 1, tzinfo=UTC)
found = DucklingExtractor(DateParser()).extract("R5 on 082 555 1234", reference_time=reference)
answers = [
    [e.dim for e in found] == ["amount-of-money", "phone-number"],
    [n.name for n in PersonNameExtractor.load().extract("Ask Mr Dlamini")] == ["Dlamini"],
]
print(json.dumps({"answers": answers, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_engines_import_nothing_heavy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["answers"] == [True, True]
    assert sorted(set(FORBIDDEN) & set(report["modules"])) == []
