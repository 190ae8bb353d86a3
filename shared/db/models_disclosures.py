"""The disclosure checklist and drafted notes (functions/disclosures)."""

from __future__ import annotations
