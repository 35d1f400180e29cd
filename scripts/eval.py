"""`make eval`: accuracy through the public API on the team's evaluation datasets.

Starts its own stack (real processes, ports 18200-18203, a throw-away SQLite database),
creates one tenant, and for each dataset found under BAOBAB_DATASETS_DIR (default
`../shared/datasets` beside the project) trains a model through the gateway exactly as a
user would, then reads the testing accuracy the training run measured on the test split.
A dataset that is absent is skipped with a line that says so. Runs outside `make test`.
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from scripts.stack import Stack
from shared import PROJECT_ROOT

CHUNK = 1000  # samples per call: the API's per-call limit


@dataclass
class Row:
    dataset: str
    metric: str
    baseline: str
    target: str
    value: str
    seconds: float | None = None


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def few_shot(rows: list[dict[str, str]], per_label: int, seed: int) -> list[dict[str, str]]:
    by_label: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_label[r["label"]].append(r)
    rng = random.Random(seed)
    out: list[dict[str, str]] = []
    for label in sorted(by_label):
        out += rng.sample(by_label[label], min(per_label, len(by_label[label])))
    return out


class Api:
    """The public API as a user drives it, through the gateway with one tenant's key."""

    def __init__(self, stack: Stack) -> None:
        gw = stack.url("gateway")
        admin = httpx.Client(
            base_url=gw, headers={"X-Auth-Token": stack.admin_key}, trust_env=False
        )
        key = admin.post("/nlu/v2/api_keys", json={"desc": "make eval"}).json()["api_key"]
        self.http = httpx.Client(
            base_url=gw, headers={"X-Auth-Token": key}, timeout=600, trust_env=False
        )

    def upload(
        self, path: str, samples: Sequence[Mapping[str, object]], chunk: int = CHUNK
    ) -> None:
        """POST the samples to `path`, `chunk` at a time (the per-call and body limits)."""
        for i in range(0, len(samples), chunk):
            self.call("POST", path, json=samples[i : i + chunk])

    def call(self, method: str, path: str, **kw: object) -> object:
        r = self.http.request(method, path, **kw)  # type: ignore[arg-type]
        if r.status_code != 200:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    def train_classifier(
        self,
        family: str,
        name: str,
        train: list[dict[str, str]],
        test: list[dict[str, str]],
        **details: object,
    ) -> tuple[dict[str, object], float]:
        base = f"/nlu/v2/{family}"
        self.call("POST", base, json={"name": name, "load_from_store": False})
        for kind, rows in (("training_samples", train), ("testing_samples", test)):
            samples = [{"text": r["text"], "label": r["label"]} for r in rows]
            self.upload(f"{base}/{name}/{kind}", samples)
        return self.wait_trained(base, name, **details)

    def wait_trained(
        self, base: str, name: str, **details: object
    ) -> tuple[dict[str, object], float]:
        """Start training the model at `base/name`; return its details once trained, and the time."""
        t0 = time.perf_counter()
        self.call("POST", f"{base}/{name}/train", json={"immediate_mode": False, **details})
        while True:
            got = self.call("GET", f"{base}/{name}")
            assert isinstance(got, dict)
            if got.get("training_stamp"):
                return got, time.perf_counter() - t0
            if got.get("training_error"):
                raise RuntimeError(f"training {name} failed: {got['training_error']}")
            time.sleep(1.0)


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def eval_intents(api: Api, data: Path, rows: list[Row], draws: int) -> None:
    family = "intent_classifiers"
    specs = [
        ("banking77", "banking77, all training data", "92.4%", ">= 94.0%"),
        ("hwu64", "hwu64, all training data", "91.4%", ">= 93.0%"),
        ("snips2017", "snips2017 intents, all training data", "97.6%", ">= 98.5%"),
    ]
    for folder, label, baseline, target in specs:
        if not (data / folder / "train.csv").exists():
            print(f"skipped {folder}: {data / folder} is absent", flush=True)
            rows.append(Row(label, "accuracy", baseline, target, "skipped (absent)"))
            continue
        train, test = read_csv(data / folder / "train.csv"), read_csv(data / folder / "test.csv")
        details, secs = api.train_classifier(family, folder, train, test)
        acc = float(details["testing_accuracy"])  # type: ignore[arg-type]
        print(f"{label}: {pct(acc)} ({len(train)} samples, trained in {secs:.0f}s)", flush=True)
        rows.append(Row(label, "accuracy", baseline, target, pct(acc), secs))
        if folder == "banking77":
            eval_out_of_scope(api, data, rows, test)
            accs, times = [], []
            for seed in range(draws):
                small = few_shot(train, 8, seed)
                d, s = api.train_classifier(family, f"banking77-8shot-{seed}", small, test)
                accs.append(float(d["testing_accuracy"]))  # type: ignore[arg-type]
                times.append(s)
            value = f"{pct(statistics.fmean(accs))} (min {pct(min(accs))}, max {pct(max(accs))})"
            print(f"banking77, 8 per intent, {draws} draws: {value}", flush=True)
            rows.append(
                Row(f"banking77, 8 examples per intent (mean of {draws} draws)", "accuracy",
                    "82.2%", ">= 85.0%", value, statistics.fmean(times))
            )  # fmt: skip


def retrieve_all(api: Api, path: str, texts: list[str]) -> list[list[dict[str, object]]]:
    out = []
    for text in texts:
        got = api.call("POST", path, json={"text": text})
        assert isinstance(got, list)
        out.append(got)
    return out


def eval_out_of_scope(
    api: Api, data: Path, rows: list[Row], banking_test: list[dict[str, str]]
) -> None:
    """Retrieve hwu64's test questions from the banking77 intent model: share rejected."""
    label = "out of scope: banking77 model, hwu64 test texts rejected at the default threshold"
    if not (data / "hwu64" / "test.csv").exists():
        rows.append(Row(label, "rejected", "none", ">= 80%", "skipped (hwu64 absent)"))
        return
    path = "/nlu/v2/intent_classifiers/banking77/retrieve"
    foreign = [r["text"] for r in read_csv(data / "hwu64" / "test.csv")]
    rejected = sum(1 for answer in retrieve_all(api, path, foreign) if not answer)
    answers = retrieve_all(api, path, [r["text"] for r in banking_test])
    kept = sum(
        1 for a, r in zip(answers, banking_test, strict=True) if a and a[0]["label"] == r["label"]
    )
    print(f"{label}: {pct(rejected / len(foreign))}; banking77 answered right with the threshold: "
          f"{pct(kept / len(banking_test))}", flush=True)  # fmt: skip
    rows.append(Row(label, "rejected", "none", ">= 80%", pct(rejected / len(foreign))))
    rows.append(
        Row("banking77 test answered and right at the default threshold", "accuracy", "",
            "within 1 point of the accuracy", pct(kept / len(banking_test)))
    )  # fmt: skip


def eval_lid(api: Api, data: Path, rows: list[Row], draws: int) -> None:
    """Retrieve every za_lid test text from the built-in `generic` language recogniser."""
    for name, label, baseline, target in (
        ("test.csv", "za_lid lid_za, test.csv (200-300 characters)", "99.9%", ">= 99.9%"),
        ("test_short.csv", "za_lid lid_za, test_short.csv (15-45 characters)", "89.2%", ">= 93.0%"),
    ):
        path = data / "za_lid" / name
        if not path.exists():
            print(f"skipped za_lid {name}: absent", flush=True)
            rows.append(Row(label, "accuracy", baseline, target, "skipped (absent)"))
            continue
        test = read_csv(path)
        answers = retrieve_all(
            api, "/nlu/v2/language_recognisers/generic/retrieve", [r["text"] for r in test]
        )
        right = sum(
            1 for a, r in zip(answers, test, strict=True) if a and a[0]["label"] == r["label"]
        )
        print(f"{label}: {pct(right / len(test))}", flush=True)
        rows.append(Row(label, "accuracy", baseline, target, pct(right / len(test))))


def eval_emotions(api: Api, data: Path, rows: list[Row], draws: int) -> None:
    """Retrieve every GoEmotions test text from the built-in `generic` emotion classifier.

    Multi-label: a label is predicted when the API returns it (the API applies each label's
    threshold). The figure is the mean of the 28 labels' F1 (a label neither true nor
    predicted scores 0, as in `scripts/build_emotions.py`).
    """
    label = "goemotions, generic emotion classifier, test.csv (28 labels, multi-label)"
    folder = data / "goemotions"
    if not (folder / "test.csv").exists():
        print(f"skipped goemotions: {folder} is absent", flush=True)
        rows.append(Row(label, "macro-F1", "0.369", ">= 0.46", "skipped (absent)"))
        return
    names = (folder / "labels.txt").read_text(encoding="utf-8").split()
    test = read_csv(folder / "test.csv")
    t0 = time.perf_counter()
    answers = retrieve_all(
        api, "/nlu/v2/emotion_classifiers/generic/retrieve", [r["text"] for r in test]
    )
    secs = time.perf_counter() - t0
    counts = {name: [0, 0, 0] for name in names}  # true positives, false positives, misses
    for answer, r in zip(answers, test, strict=True):
        truth = set(r["labels"].split(";"))
        predicted = {str(a["label"]) for a in answer}
        for name in names:
            if name in predicted:
                counts[name][0 if name in truth else 1] += 1
            elif name in truth:
                counts[name][2] += 1
    f1s = [2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0 for tp, fp, fn in counts.values()]
    f1 = statistics.fmean(f1s)
    print(f"{label}: {f1:.3f} ({len(test)} texts, retrieved in {secs:.0f}s)", flush=True)
    rows.append(Row(label, "macro-F1", "0.369", ">= 0.46", f"{f1:.3f}"))


def eval_crf(api: Api, data: Path, rows: list[Row], draws: int) -> None:
    """Train a CRF entity extractor on snips2017's slots through the API; entity micro-F1."""
    label = "snips2017 slots, CRF extractor, entity micro-F1"
    if not (data / "snips2017" / "train_slots.jsonl").exists():
        print("skipped snips2017 slots: absent", flush=True)
        rows.append(Row(label, "micro-F1", "none", ">= 0.90", "skipped (absent)"))
        return

    def samples(name: str) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        with (data / "snips2017" / name).open(encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                spans = [
                    {"entity": e["entity"], "index": e["start"], "len": e["end"] - e["start"]}
                    for e in r["entities"]
                ]
                out.append({"text": r["text"], "entity_list": spans})
        return out

    base = "/nlu/v2/crf_entity_extractors"
    api.call("POST", base, json={"name": "snips-slots", "load_from_store": False})
    for kind, name in (
        ("training_samples", "train_slots.jsonl"),
        ("testing_samples", "test_slots.jsonl"),
    ):
        data_rows = samples(name)
        for i in range(0, len(data_rows), CHUNK):
            api.call("POST", f"{base}/snips-slots/{kind}", json=data_rows[i : i + CHUNK])
    t0 = time.perf_counter()
    api.call("POST", f"{base}/snips-slots/train", json={"immediate_mode": False})
    while True:
        got = api.call("GET", f"{base}/snips-slots")
        assert isinstance(got, dict)
        if got.get("training_stamp"):
            break
        if got.get("training_error"):
            raise RuntimeError(f"CRF training failed: {got['training_error']}")
        time.sleep(1.0)
    secs = time.perf_counter() - t0
    f1 = float(got["testing_f1"])
    print(f"{label}: {f1:.3f} (trained in {secs:.0f}s)", flush=True)
    rows.append(Row(label, "micro-F1", "none", ">= 0.90", f"{f1:.3f}", secs))


IMAGE_CHUNK = 10  # images per call: photos of up to a few MB each, base64


def image_rows(folder: Path) -> list[dict[str, str]]:
    """Return `{image, label}` samples of a `<label>/<file>` folder, base64, sorted by path."""
    out = []
    for path in sorted(folder.glob("*/*")):
        if path.is_file():
            image = base64.b64encode(path.read_bytes()).decode("ascii")
            out.append({"image": image, "label": path.parent.name})
    return out


def eval_images(api: Api, data: Path, rows: list[Row], draws: int) -> None:
    """Train an image classifier on hymenoptera's train split; its val split is the test set."""
    label = "hymenoptera (ants vs bees), val"
    folder = data / "hymenoptera"
    if not (folder / "train").exists():
        print(f"skipped hymenoptera: {folder} is absent", flush=True)
        rows.append(Row(label, "accuracy", "94.8%", ">= 96.5%", "skipped (absent)"))
        return
    base = "/vision/v2/image_classifiers"
    api.call("POST", base, json={"name": "hymenoptera", "load_from_store": False})
    for kind, split in (("training_samples", "train"), ("testing_samples", "val")):
        samples = image_rows(folder / split)
        api.upload(f"{base}/hymenoptera/{kind}", samples, IMAGE_CHUNK)
    details, secs = api.wait_trained(base, "hymenoptera")
    acc = float(details["testing_accuracy"])  # type: ignore[arg-type]
    n = int(details["num_training_samples"])  # type: ignore[call-overload]
    print(f"{label}: {pct(acc)} ({n} images, trained in {secs:.0f}s)", flush=True)
    rows.append(Row(label, "accuracy", "94.8%", ">= 96.5%", pct(acc), secs))
    eval_image_regression(api, folder, rows)


MAX_BLUR = 4.0


def blurred_rows(folder: Path, seed: int) -> list[dict[str, object]]:
    """Return `{image, value}` samples: each photo, longer side 320, blurred by a seeded radius.

    The value is the Gaussian blur radius in pixels (0 to MAX_BLUR): a task whose truth is
    known exactly, built from real photos.
    """
    import io

    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for path in sorted(folder.glob("*/*")):
        radius = round(rng.uniform(0.0, MAX_BLUR), 2)
        with Image.open(path) as original:
            image = original.convert("RGB")
        image.thumbnail((320, 320))
        if radius > 0:
            image = image.filter(ImageFilter.GaussianBlur(radius))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=92)
        out.append({"image": base64.b64encode(buffer.getvalue()).decode(), "value": radius})
    return out


def eval_image_regression(api: Api, folder: Path, rows: list[Row]) -> None:
    """Train an image regressor to read the blur radius of hymenoptera photos."""
    label = "image regressor: Gaussian blur radius (0-4 px) of hymenoptera photos, val"
    base = "/vision/v2/image_regressors"
    api.call("POST", base, json={"name": "blur", "load_from_store": False})
    for kind, split, seed in (("training_samples", "train", 1), ("testing_samples", "val", 2)):
        samples = blurred_rows(folder / split, seed)
        api.upload(f"{base}/blur/{kind}", samples, IMAGE_CHUNK)
    details, secs = api.wait_trained(base, "blur")
    mae = float(details["testing_mae"])  # type: ignore[arg-type]
    baseline = float(details["testing_baseline_mae"])  # type: ignore[arg-type]
    r2 = float(details["testing_r2"])  # type: ignore[arg-type]
    value = f"MAE {mae:.2f} px (R2 {r2:.2f})"
    print(f"{label}: {value}; answering the training mean: MAE {baseline:.2f} px", flush=True)
    rows.append(Row(label, "MAE", f"{baseline:.2f} px (mean answer)", "report", value, secs))


def detection_rows(folder: Path, split: str) -> list[dict[str, object]]:
    """Return one split's `{image, detections}` samples, boxes in fractions of the image."""
    entries = json.loads((folder / "annotations.json").read_text())
    out: list[dict[str, object]] = []
    for e in entries:
        if e["split"] != split:
            continue
        w, h = e["width"], e["height"]
        detections = [
            {"label": b["label"], "box_x": b["x"] / w, "box_y": b["y"] / h,
             "box_w": b["w"] / w, "box_h": b["h"] / h, "id": 0}
            for b in e["boxes"]
        ]  # fmt: skip
        image = base64.b64encode((folder / e["file"]).read_bytes()).decode("ascii")
        out.append({"image": image, "detections": detections})
    return out


def eval_detection(api: Api, data: Path, rows: list[Row], draws: int) -> None:
    """Train a tenant image detector on the playing-cards photos; mAP@0.5 on the test split."""
    label = "playing_cards_detection, tenant-trained image detector, test"
    folder = data / "playing_cards_detection"
    if not (folder / "annotations.json").exists():
        print(f"skipped playing_cards_detection: {folder} is absent", flush=True)
        rows.append(Row(label, "mAP@0.5", "none", "report; aim >= 0.70", "skipped (absent)"))
        return
    base = "/vision/v2/image_detectors"
    api.call("POST", base, json={"name": "cards", "load_from_store": False})
    for kind, split in (("training_samples", "train"), ("testing_samples", "test")):
        samples = detection_rows(folder, split)
        api.upload(f"{base}/cards/{kind}", samples, IMAGE_CHUNK)
    details, secs = api.wait_trained(base, "cards")
    value = f"{float(details['testing_map']):.3f}"  # type: ignore[arg-type]
    per_class = details.get("testing_ap") or {}
    assert isinstance(per_class, dict)
    classes = ", ".join(f"{k} {float(v):.2f}" for k, v in sorted(per_class.items()))
    print(f"{label}: mAP@0.5 {value} ({classes}; trained in {secs:.0f}s)", flush=True)
    rows.append(Row(label, "mAP@0.5", "none", "report; aim >= 0.70", value, secs))


EVALS: dict[str, Callable[[Api, Path, list[Row], int], None]] = {
    "crf": eval_crf,
    "detection": eval_detection,
    "emotions": eval_emotions,
    "images": eval_images,
    "intents": eval_intents,
    "lid": eval_lid,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(EVALS), action="append", help="run only these")
    parser.add_argument("--draws", type=int, default=5, help="seeded few-shot draws")
    args = parser.parse_args()
    data = Path(os.environ.get("BAOBAB_DATASETS_DIR", PROJECT_ROOT.parent / "shared" / "datasets"))
    if not data.exists():
        print(f"no datasets at {data}: set BAOBAB_DATASETS_DIR; nothing to evaluate")
        return 0
    models_dir = Path(
        os.environ.get("BAOBAB_MODELS_DIR", PROJECT_ROOT / "var" / "models")
    ).resolve()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="baobab-eval-") as tmp:
        env = {
            "BAOBAB_MODELS_DIR": str(models_dir),
            "BAOBAB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/eval.db",
            "BAOBAB_LOG_LEVEL": "WARNING",
        }
        stack = Stack(
            base_port=18200,
            var_dir=Path(tmp),
            env=env,
            log_prefix=False,
            log_file=Path(tmp) / "stack.log",
        )
        with stack:
            api = Api(stack)
            for name in args.only or sorted(EVALS):
                EVALS[name](api, data, rows, args.draws)
    print("\n| dataset | metric | baseline | target | Baobab | train time |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        secs = f"{r.seconds:.0f} s" if r.seconds is not None else ""
        print(f"| {r.dataset} | {r.metric} | {r.baseline} | {r.target} | {r.value} | {secs} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
