"""The assistant's chunks, their embeddings and the questions asked (functions/assistant, shared/retrieval.py)."""

from __future__ import annotations
