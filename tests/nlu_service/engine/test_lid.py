"""The `lid_za` language identifier: featurisation, the model file, and accuracy."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlu_service.engine.lid import LanguageIdentifier, char_ngrams, model_path, normalise

ZA_LID = Path("/work/shared/datasets/za_lid")
LABELS = ["afr", "eng", "nbl", "xho", "zul", "nso", "sot", "tsn", "ssw", "ven", "tso"]

# Written for these tests (not from the training data): "thank you very much for your
# help, we will see each other tomorrow" and everyday sentences, one per language.
SENTENCES = {
    "afr": "Ek het gister na die winkel gegaan om brood en melk te koop.",
    "eng": "The department will publish the new regulations next month.",
    "zul": "Ngiyabonga kakhulu ngosizo lwakho, sizobonana kusasa ekuseni.",
    "xho": "Enkosi kakhulu ngoncedo lwakho, siza kubonana ngomso.",
    "nbl": "Ngiyathokoza khulu ngesizo sakho, sizokubonana kusasa.",
    "nso": "Ke a leboga kudu ka thušo ya gago, re tla bonana gosasa.",
    "sot": "Ke a leboha haholo ka thuso ya hao, re tla bonana hosane.",
    "tsn": "Ke a leboga thata ka thuso ya gago, re tla kopana kamoso.",
    "ssw": "Ngiyabonga kakhulu ngelusito lwakho, sitawubonana kusasa.",
    "ven": "Ndo livhuwa nga maanda nga thuso yanu, ri ḓo vhonana matshelo.",
    "tso": "Ndza khensa ngopfu hi mpfuno wa wena, hi ta vonana mundzuku.",
}


@pytest.fixture(scope="module")
def lid() -> LanguageIdentifier:
    return LanguageIdentifier.load(model_path("lid_za"))


def tiny_model() -> LanguageIdentifier:
    grams = [" a", "a ", "b", " b"]
    return LanguageIdentifier(
        labels=("aaa", "bbb"),
        ngram_range=(1, 2),
        vocabulary={g: i for i, g in enumerate(grams)},
        weights=np.array([[1.0, -1.0], [1.0, -1.0], [-2.0, 2.0], [-1.0, 1.0]], np.float32),
        bias=np.zeros(2, np.float32),
        info={"source": "test"},
    )


def test_normalise_keeps_letters_and_word_boundaries() -> None:
    assert normalise("Hello, World! 123") == " hello world "
    assert normalise("  Ḓo   vhonana\tmatshelo ") == " ḓo vhonana matshelo "
    assert normalise("12 34 !!") == ""
    assert char_ngrams("Ab", 1, 2) == [" ", "a", "b", " ", " a", "ab", "b "]


def test_scores_are_the_bias_plus_the_counted_ngram_weights() -> None:
    model = tiny_model()
    # " a b " -> 1-grams " ", "a", " ", "b", " "; 2-grams " a", "a ", " b", "b ".
    assert model.scores("a b").tolist() == pytest.approx([1 + 1 - 2 - 1, -1 - 1 + 2 + 1])
    assert model.rank("a a a")[0][0] == "aaa"
    assert model.rank("b b")[0][0] == "bbb"
    ranked = model.rank("a b b")
    assert sum(p for _, p in ranked) == pytest.approx(1.0)
    # No known n-gram: the prior alone, an even split here.
    assert [p for _, p in model.rank("zzz")] == pytest.approx([0.5, 0.5])


def test_model_file_round_trips_and_is_deterministic() -> None:
    model = tiny_model()
    data = model.to_bytes()
    assert data == tiny_model().to_bytes()
    loaded = LanguageIdentifier.from_bytes(data)
    assert loaded.labels == model.labels and loaded.info == {"source": "test"}
    for text in ("a b", "b b b a", "a"):
        assert loaded.rank(text)[0][0] == model.rank(text)[0][0]
        assert loaded.probabilities(text) == pytest.approx(model.probabilities(text), abs=0.05)


def test_corrupt_or_inconsistent_models_are_refused() -> None:
    with pytest.raises(ValueError):
        LanguageIdentifier.from_bytes(b"not a zip file")
    with pytest.raises(ValueError):
        LanguageIdentifier(
            labels=("a", "b"),
            ngram_range=(1, 2),
            vocabulary={"x": 0},
            weights=np.zeros((2, 2), np.float32),
            bias=np.zeros(2, np.float32),
        )


def test_shipped_model_knows_the_11_official_languages(lid: LanguageIdentifier) -> None:
    assert sorted(lid.labels) == sorted(LABELS)
    assert "NCHLT" in lid.info["source"]
    assert model_path("lid_za").stat().st_size < 5_000_000


@pytest.mark.parametrize("language", LABELS)
def test_shipped_model_identifies_a_sentence_of_each_language(
    lid: LanguageIdentifier, language: str
) -> None:
    ranked = lid.rank(SENTENCES[language])
    assert ranked[0][0] == language, ranked[:3]
    assert ranked[0][1] > 0.5
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)


@pytest.mark.skipif(
    not (ZA_LID / "test.csv").exists(),
    reason="the za_lid data set (/work/shared/datasets/za_lid/test.csv) is not on this machine",
)
def test_shipped_model_accuracy_on_za_lid_test(lid: LanguageIdentifier) -> None:
    with (ZA_LID / "test.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for _, r in zip(range(500), csv.DictReader(f), strict=False)]
    predicted = lid.predict(r["text"] for r in rows)
    accuracy = np.mean([p == r["label"] for p, r in zip(predicted, rows, strict=True)])
    assert accuracy >= 0.995, accuracy


FORBIDDEN = ["torch", "transformers", "sklearn", "scipy", "fastapi", "sqlalchemy", "redis", "httpx"]
RETRIEVE = """
import json, sys
from nlu_service.engine.lid import LanguageIdentifier, model_path
top = LanguageIdentifier.load(model_path("lid_za")).rank("dankie vir die hulp")[0][0]
print(json.dumps({"top": top, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_identification_imports_no_training_or_service_code() -> None:
    result = subprocess.run(
        [sys.executable, "-c", RETRIEVE], capture_output=True, text=True, check=True, timeout=120
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["top"] == "afr"
    assert sorted(set(FORBIDDEN) & set(report["modules"])) == []
