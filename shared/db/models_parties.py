"""Related parties and accounting estimates (functions/fieldwork)."""

from __future__ import annotations
