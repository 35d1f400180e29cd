"""Classification metrics: accuracy, macro F1 and a sparse confusion matrix."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class EvalReport:
    """How a classifier did on one labelled set."""

    accuracy: float
    # Macro F1 over the labels present in y_true or y_pred.
    f1: float
    # Sparse: confusion[true_label][predicted_label] = count, non-zero cells only.
    confusion: dict[str, dict[str, int]]
    # Predicted label per sample, in input order.
    predictions: list[str]
    n: int

    @classmethod
    def from_predictions(cls, y_true: Sequence[str], y_pred: Sequence[str]) -> EvalReport:
        """Return the report comparing true and predicted labels (same length)."""
        if len(y_true) != len(y_pred):
            raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions")
        n = len(y_true)
        pairs = Counter(zip(y_true, y_pred, strict=True))
        confusion: dict[str, dict[str, int]] = {}
        for (t, p), count in sorted(pairs.items()):
            confusion.setdefault(t, {})[p] = count
        correct = sum(c for (t, p), c in pairs.items() if t == p)
        true_counts = Counter(y_true)
        pred_counts = Counter(y_pred)
        labels = set(true_counts) | set(pred_counts)
        f1s = []
        for label in labels:
            tp = pairs.get((label, label), 0)
            precision = tp / pred_counts[label] if pred_counts[label] else 0.0
            recall = tp / true_counts[label] if true_counts[label] else 0.0
            both = precision + recall
            f1s.append(2 * precision * recall / both if both else 0.0)
        return cls(
            accuracy=correct / n if n else 0.0,
            f1=sum(f1s) / len(f1s) if f1s else 0.0,
            confusion=confusion,
            predictions=list(y_pred),
            n=n,
        )
