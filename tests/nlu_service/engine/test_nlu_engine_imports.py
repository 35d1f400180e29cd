"""The retrieve path stays light: no torch, scikit-learn or web/database code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from nlu_service.engine import ALGORITHMS, TextClassifier

FORBIDDEN = ["torch", "transformers", "sklearn", "scipy", "fastapi", "sqlalchemy", "redis", "httpx"]

RETRIEVE = """
import json, sys
from pathlib import Path
from nlu_service.engine import TextClassifier, TextEncoder
encoder = TextEncoder.load(Path(sys.argv[1]))
classifier = TextClassifier.from_bytes(Path(sys.argv[2]).read_bytes())
texts = ["hello there", "book me a flight"]
ranked = classifier.rank(encoder.encode(texts), texts=texts)
loaded = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"top": ranked[0][0][0], "modules": loaded}))
"""


def test_retrieve_imports_no_training_or_service_code(models_dir: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for algorithm in ALGORITHMS:
        x = rng.standard_normal((12, 384)).astype(np.float32)
        texts = [f"sample number {i}" for i in range(12)]
        head = TextClassifier.fit(x, ["a", "b", "c"] * 4, algorithm, texts=texts)
        artifact = tmp_path / f"{algorithm}.npz"
        artifact.write_bytes(head.to_bytes())
        result = subprocess.run(
            [sys.executable, "-c", RETRIEVE, str(models_dir), str(artifact)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        report = json.loads(result.stdout.strip().splitlines()[-1])
        assert report["top"] in {"a", "b", "c"}
        assert "onnxruntime" in report["modules"]
        leaked = sorted(set(FORBIDDEN) & set(report["modules"]))
        assert leaked == [], f"{algorithm}: retrieve imported {leaked}"
