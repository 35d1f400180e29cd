"""The sentence encoder: all-MiniLM-L6-v2 as int8 ONNX, tokenized by `tokenizers`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

from nlu_service.engine._onnx import cpu_session, read_build

FloatArray = npt.NDArray[np.float32]

ENCODER_FOLDER = "minilm"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class TextEncoder:
    """Turns texts into L2-normalised sentence embeddings (mean pooling over real tokens).

    One instance is shared by every tenant and thread: `encode` holds no state between
    calls (ONNX Runtime's `run` and `tokenizers`' batch encoding are both thread-safe).
    `encode` blocks; async callers run it in a worker thread.

    The model's activations are quantized per batch at run time (dynamic int8), so a text's
    vector depends slightly on which texts share its batch (cosine to the same text encoded
    alone is typically above 0.98). `batch_size=1` gives bit-for-bit reproducible vectors
    at roughly two thirds of the batch-32 throughput.
    """

    dim: int
    max_tokens: int

    def __init__(
        self, session: ort.InferenceSession, tokenizer: Tokenizer, manifest: dict[str, Any]
    ) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self.manifest = manifest
        self.name: str = str(manifest.get("name", ENCODER_FOLDER))
        self.dim = int(manifest["dim"])
        self.max_tokens = int(manifest["max_tokens"])
        self._output = session.get_outputs()[0].name

    @classmethod
    def load(cls, models_dir: Path, *, threads: int = 2) -> TextEncoder:
        """Return the encoder built by `make models` under `models_dir`.

        Raises `ModelsMissing` when the build is absent or incomplete.
        """
        manifest, onnx_path = read_build(
            models_dir, ENCODER_FOLDER, "text encoder", extra=("tokenizer.json",)
        )
        session = cpu_session(onnx_path, threads)
        names = {i.name for i in session.get_inputs()}
        if not set(_INPUTS) <= names:
            raise ValueError(f"{onnx_path} takes {sorted(names)}, expected {list(_INPUTS)}")

        tokenizer = Tokenizer.from_file(str(onnx_path.with_name("tokenizer.json")))
        # The shipped tokenizer.json pads every text to 128 tokens; we pad per batch instead.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=int(manifest["max_tokens"]))
        return cls(session, tokenizer, manifest)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> FloatArray:
        """Return float32 embeddings [len(texts), dim], L2-normalised, in input order."""
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not a single string")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] is {type(text).__name__}, not str")
        ids = [e.ids for e in self._tokenizer.encode_batch(texts, add_special_tokens=True)]
        # Similar lengths share a batch, so little compute goes to padding.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._run([ids[i] for i in rows])
        return out

    def _run(self, batch: list[list[int]]) -> FloatArray:
        """Return pooled, normalised embeddings of one batch of token id lists."""
        width = max(len(row) for row in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for r, row in enumerate(batch):
            input_ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        feeds = {
            "input_ids": input_ids,
            "attention_mask": mask,
            "token_type_ids": np.zeros_like(input_ids),
        }
        (hidden,) = self._session.run([self._output], feeds)
        weights = mask[..., None].astype(np.float32)
        pooled = (np.asarray(hidden, dtype=np.float32) * weights).sum(axis=1)
        pooled /= np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: FloatArray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit
