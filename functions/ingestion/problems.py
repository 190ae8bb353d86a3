"""Why a file was refused, and what in an accepted file deserves a second look.

A refusal carries the first 100 problems (row, column, value, reason) and how many there were in
all, so an auditor can fix the export without guessing; a warning never refuses the file, it is
counted with the first rows it was seen on. Rows are spreadsheet rows: the header is row 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_LISTED = 100
MAX_VALUE_CHARS = 100
MAX_WARNING_ROWS = 10


def shown(value: object) -> str | None:
    """A cell value as an error message may show it: text, cut to a readable length."""
    if value is None:
        return None
    # NUL cannot be stored in PostgreSQL text or JSON; show it instead of failing to report it.
    text = str(value).replace("\x00", "\\x00")
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


class IngestRejected(Exception):  # noqa: N818 - reads as the outcome
    """The file is refused whole; nothing of it is stored."""

    def __init__(
        self, code: str, message: str, *, problems: list[dict[str, Any]] | None = None, problem_count: int | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.message = code, message
        self.problems = problems or []
        self.problem_count = problem_count if problem_count is not None else len(self.problems)

    def as_error(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "details": {"problems": self.problems, "problem_count": self.problem_count},
        }


@dataclass
class ProblemLog:
    """Problems that refuse a file: the first MAX_LISTED in file order, and the total."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, *, row: int | None, column: str | None, value: object, reason: str) -> None:
        self.count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append({"row": row, "column": column, "value": shown(value), "reason": reason})

    def __bool__(self) -> bool:
        return self.count > 0

    def sorted_problems(self) -> list[dict[str, Any]]:
        return sorted(self.problems, key=lambda p: (p["row"] is None, p["row"] or 0, p["column"] or ""))

    def reject(self, code: str, message: str) -> IngestRejected:
        return IngestRejected(code, message, problems=self.sorted_problems(), problem_count=self.count)


@dataclass
class WarningLog:
    """Data-quality warnings by code: how often, and the first rows where."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, code: str, message: str, *, rows: list[int] | None = None, count: int | None = None) -> None:
        rows = rows or []
        entry = self.entries.setdefault(code, {"code": code, "message": message, "count": 0, "rows": []})
        entry["count"] += count if count is not None else max(len(rows), 1)
        room = MAX_WARNING_ROWS - len(entry["rows"])
        if room > 0:
            entry["rows"].extend(rows[:room])

    def as_list(self) -> list[dict[str, Any]]:
        return list(self.entries.values())
