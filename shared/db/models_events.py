"""Cut-off tests and the subsequent events register (functions/fieldwork)."""

from __future__ import annotations
