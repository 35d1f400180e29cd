"""Build `nlu_service/engine/data/lid_za.npz`, the `lid_za` language identifier.

    .venv/bin/python -m scripts.build_lid_za [--data-dir DIR] [--out FILE]

Trains multinomial naive Bayes (scikit-learn) over character 1..6-grams of the normalised
text (`nlu_service.engine.lid.char_ngrams`) on `train.csv` of the `za_lid` data set: the 11
official South African languages, text from the NCHLT Text Corpora (South African
Department of Arts and Culture & CTexT, North-West University), CC BY 2.5 South Africa.
The data are read where they lie and never copied; only the trained arrays are written.

N-grams seen fewer than `--min-count` times in all the training text are dropped (they
carry little and would make the file large). The softmax temperature is fitted on short
windows cut from a held-out tenth of the training sentences, so that the probabilities
retrieve reports are not all 0 or 1. Every step is deterministic: the same data give the
same file, byte for byte.

When `test.csv` and `test_short.csv` are present the script prints the accuracy of the
written file (after int8 quantisation) on each.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from nlu_service.engine.lid import LanguageIdentifier, char_ngrams, model_path

DEFAULT_DATA_DIR = Path("/work/shared/datasets/za_lid")
LABELS = ("afr", "eng", "nbl", "xho", "zul", "nso", "sot", "tsn", "ssw", "ven", "tso")
CREDIT = (
    "Trained by scripts/build_lid_za.py on the za_lid split of the NCHLT Text Corpora "
    "(South African Department of Arts and Culture & CTexT, North-West University, "
    "http://www.nwu.ac.za/ctext), CC BY 2.5 South Africa, via "
    "github.com/praekelt/feersum-lid-shared-task (Duvenhage, Ntini & Ramonyai, PRASA 2017)."
)


def read_rows(path: Path) -> tuple[list[str], list[str]]:
    """Return the (texts, labels) of a `text,label` CSV file."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def short_windows(
    texts: list[str], labels: list[str], per_text: int, seed: int = 0
) -> tuple[list[str], list[str]]:
    """Return word-aligned snippets of 12-45 characters cut from each text (seeded)."""
    rng = random.Random(seed)
    out_texts: list[str] = []
    out_labels: list[str] = []
    for text, label in zip(texts, labels, strict=True):
        words = text.split()
        if not words:
            continue
        for _ in range(per_text):
            target = rng.randint(12, 45)
            i = rng.randrange(len(words))
            snippet = words[i]
            j = i + 1
            while j < len(words) and len(snippet) + 1 + len(words[j]) <= target:
                snippet += " " + words[j]
                j += 1
            out_texts.append(snippet)
            out_labels.append(label)
    return out_texts, out_labels


def fit(
    texts: list[str], labels: list[str], n_max: int, alpha: float, min_count: int
) -> LanguageIdentifier:
    """Return naive Bayes over character 1..n_max-grams, as a `LanguageIdentifier`."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB

    totals: Counter[str] = Counter()
    for text in texts:
        totals.update(char_ngrams(text, 1, n_max))
    vocabulary = sorted(g for g, c in totals.items() if c >= min_count)
    vectoriser = CountVectorizer(
        analyzer=lambda t: char_ngrams(t, 1, n_max),
        vocabulary=vocabulary,
        dtype=np.float64,
    )
    counts = vectoriser.transform(texts)
    nb = MultinomialNB(alpha=alpha, class_prior=None).fit(counts, labels)
    order = [list(nb.classes_).index(label) for label in LABELS]
    return LanguageIdentifier(
        labels=LABELS,
        ngram_range=(1, n_max),
        vocabulary={g: i for i, g in enumerate(vocabulary)},
        weights=nb.feature_log_prob_.T[:, order].astype(np.float32),
        bias=nb.class_log_prior_[order].astype(np.float32),
        info={"source": CREDIT, "algorithm": f"multinomial naive Bayes, alpha={alpha}"},
    )


def fit_temperature(model: LanguageIdentifier, texts: list[str], labels: list[str]) -> float:
    """Return the temperature (on a log grid) that minimises the held-out log loss."""
    scores = np.stack([model.scores(t) for t in texts])
    truth = np.array([model.labels.index(label) for label in labels])
    best_t, best_loss = 1.0, np.inf
    for t in np.geomspace(0.5, 64.0, 57):
        z = scores / t
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -float(log_p[np.arange(len(truth)), truth].mean())
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return round(best_t, 4)


def accuracy(model: LanguageIdentifier, texts: list[str], labels: list[str]) -> float:
    predicted = model.predict(texts)
    return sum(p == y for p, y in zip(predicted, labels, strict=True)) / len(labels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=model_path("lid_za"))
    parser.add_argument("--ngram-max", type=int, default=6)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--min-count", type=int, default=2)
    args = parser.parse_args(argv)

    train_csv = args.data_dir / "train.csv"
    if not train_csv.exists():
        print(f"{train_csv} is missing: the za_lid data set is needed to build lid_za")
        return 1
    started = time.perf_counter()
    texts, labels = read_rows(train_csv)
    if sorted(set(labels)) != sorted(LABELS):
        print(f"unexpected labels in {train_csv}: {sorted(set(labels))}")
        return 1

    # Temperature: a model fitted without every tenth sentence, scored on snippets of those.
    held = [i % 10 == 0 for i in range(len(texts))]
    part = fit(
        [t for t, h in zip(texts, held, strict=True) if not h],
        [y for y, h in zip(labels, held, strict=True) if not h],
        args.ngram_max,
        args.alpha,
        args.min_count,
    )
    held_texts, held_labels = short_windows(
        [t for t, h in zip(texts, held, strict=True) if h],
        [y for y, h in zip(labels, held, strict=True) if h],
        per_text=5,
    )
    temperature = fit_temperature(part, held_texts, held_labels)

    full = fit(texts, labels, args.ngram_max, args.alpha, args.min_count)
    model = LanguageIdentifier(
        labels=full.labels,
        ngram_range=full.ngram_range,
        vocabulary=full.vocabulary,
        weights=full.weights,
        bias=full.bias,
        temperature=temperature,
        info={**full.info, "temperature": f"fitted on held-out snippets: {temperature}"},
    )
    data = model.to_bytes()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    built_s = time.perf_counter() - started
    print(
        f"wrote {args.out} ({len(data) / 1e6:.2f} MB, sha256 {hashlib.sha256(data).hexdigest()[:16]}): "
        f"{len(model.vocabulary):,} n-grams (1..{args.ngram_max}, seen >= {args.min_count} times), "
        f"temperature {temperature}, built in {built_s:.1f} s"
    )

    shipped = LanguageIdentifier.from_bytes(data)
    for name in ("test.csv", "test_short.csv"):
        path = args.data_dir / name
        if not path.exists():
            print(f"{name}: absent, not measured")
            continue
        eval_texts, eval_labels = read_rows(path)
        t0 = time.perf_counter()
        acc = accuracy(shipped, eval_texts, eval_labels)
        per_text_ms = (time.perf_counter() - t0) / len(eval_texts) * 1000
        print(
            f"{name}: accuracy {acc:.4f} on {len(eval_texts):,} texts ({per_text_ms:.2f} ms/text)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
