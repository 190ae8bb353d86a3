"""The audit program: the firm's procedure library and each engagement's program (functions/fieldwork)."""

from __future__ import annotations
