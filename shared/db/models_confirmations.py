"""Confirmation requests and their replies (functions/fieldwork)."""

from __future__ import annotations
