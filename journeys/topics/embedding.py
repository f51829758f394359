"""Sentence vectors from WordLlama, built from the files its wheel ships: nothing is fetched at run time.

``wordllama`` 0.4 carries its token embeddings (``weights/l2_supercat_256.safetensors``) and its
tokenizer (``tokenizers/l2_supercat_tokenizer_config.json``) inside the package, but
``WordLlama.load()`` looks for the tokenizer in another folder and then downloads it. So the
model is put together here from the shipped files: the tensor read with ``safetensors``, the
tokenizer with ``tokenizers``, both handed to WordLlama's own inference class (average-pooled
token vectors, L2-normalised). The version is pinned in ``pyproject.toml``: another release may
ship other files.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from importlib.resources import files
from typing import Any

import numpy as np

MODEL = "wordllama-l2-supercat-256"  # names the vectors a cache holds
DIMENSIONS = 256
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
BATCH = 5_000  # texts per call: bounds the tokenizer's memory (20,000 took 60 MB more and were slower),
# and lets a caller show progress

@functools.cache
def model() -> Any:
    """The WordLlama inference object (loaded once per process, about 30 MB)."""
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    root = files("wordllama")
    with safe_open(str(root / WEIGHTS), framework="np") as weights:
        table = weights.get_tensor("embedding.weight")
    return WordLlamaInference(table, Tokenizer.from_file(str(root / TOKENIZER)))


def embed(texts: Sequence[str], progress: Callable[[int, int], None] | None = None,
          dtype: type = np.float32) -> np.ndarray:
    """One unit-length vector per text (an empty text gets a zero vector); ``np.float16`` halves a million
    texts' matrix (cosine ranks are unchanged at that precision), each batch converted as it is written."""
    wordllama = model()
    out: np.ndarray = np.zeros((len(texts), DIMENSIONS), dtype=dtype)
    for start in range(0, len(texts), BATCH):
        chunk = [t if isinstance(t, str) else "" for t in texts[start:start + BATCH]]
        with np.errstate(invalid="ignore", divide="ignore"):  # a text of no known token has no direction
            vectors = np.nan_to_num(np.asarray(wordllama.embed(chunk, norm=True), dtype=np.float32))
        vectors[np.array([not t.strip() for t in chunk])] = 0.0
        out[start:start + len(chunk)] = vectors
        if progress is not None:
            progress(min(start + BATCH, len(texts)), len(texts))
    return out


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length one (zero rows stay zero): cosine similarity becomes a dot product."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)
