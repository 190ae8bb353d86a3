"""How good the assistant is (issue 24, "How good it must be"): retrieval recall@5 over our question set and
ask latency offline on an engagement of 10,000 chunks.

Builds a throw-away database with the constructed engagement of tools/assistant_fixture.py (Harbor Lane
Manufacturing's 2026 audit), indexes it with the offline embeddings (shared/retrieval.py) and asks every
question of tests/data/assistant/questions.json through shared.retrieval.search as the firm's admin:

- recall@5: the share of questions whose top 5 passages include one of its supporting chunks (the
  passage that answers it), and the stricter mean share of all its supporting chunks in the top 5;
- then the engagement grows with distractor workpapers to `--chunks` chunks (its own chunks, not counting
  the public sources every engagement also searches), is indexed again, and the same recall is measured;
- ask latency: `--asks` questions sent to POST /api/engagements/{id}/assistant/ask through the real trigger
  (authorization, staleness check, retrieval, the offline answer, the audit record), median and p95, and
  the retrieval alone (search) for comparison. The first ask of the process (model load, matrix cache)
  is shown apart.

- drafted notes (functions/disclosures, offline provider): every topic the checklist turns on is drafted
  through POST .../disclosures/notes; each figure of the printed note must be the value of one of its
  references (and each account reference the constructed trial balance's own amount), and each citation a
  shipped source section or a chunk of the engagement's index.

Targets: recall@5 at least 0.9, ask under 1 s, 100% of numbers traced, 0 invented citations. Prints a
table; the figures are for the README.

Usage: python tools/bench_assistant.py [--chunks 10000] [--asks 50] [--misses]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from shared.retrieval import Hit

QUESTIONS = ROOT / "tests" / "data" / "assistant" / "questions.json"
K = 5
TARGET_RECALL = 0.9
TARGET_ASK_SECONDS = 1.0
_INDEX_CODE = re.compile(r"^[A-Z]{1,3}-\S+ ")
_SOURCE_KEY = re.compile(r"\((source:[^)]+)\)\s*$")
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    supporting: tuple[str, ...]
    kind: str


def questions(path: Path = QUESTIONS) -> list[Question]:
    return [
        Question(item["id"], item["question"], tuple(item["supporting"]), item["kind"])
        for item in json.loads(path.read_text(encoding="utf-8"))
    ]


def chunk_key(hit: Hit) -> str:
    """The question set's stable key of a retrieved passage, from its document and locator:
    workpaper:<title>, review_note:<workpaper title>, evidence:<file>#<page>, trial_balance:<account>,
    journal_test:<journal id>, source:<file>#<section>."""
    if hit.kind == "source":
        match = _SOURCE_KEY.search(hit.locator)
        return match[1] if match else f"source:{hit.document}#{hit.locator}"
    if hit.kind == "workpaper":
        return "workpaper:" + _INDEX_CODE.sub("", hit.document)
    if hit.kind == "review_note":
        return "review_note:" + _INDEX_CODE.sub("", hit.document.removeprefix("Review note on "))
    if hit.kind == "evidence":
        page = _NUMBER.search(hit.locator)
        return f"evidence:{hit.document}#{page[0] if page else hit.locator}"
    if hit.kind == "trial_balance":
        return "trial_balance:" + hit.locator.removeprefix("account ")
    if hit.kind == "journal_test":
        return "journal_test:" + hit.locator.removeprefix("journal ")
    return f"{hit.kind}:{hit.document}#{hit.locator}"


@dataclass(frozen=True)
class Outcome:
    question: Question
    retrieved: tuple[str, ...]

    @property
    def found(self) -> bool:
        return any(key in self.retrieved for key in self.question.supporting)

    @property
    def share(self) -> float:
        return sum(key in self.retrieved for key in self.question.supporting) / len(self.question.supporting)


def recall(outcomes: Sequence[Outcome]) -> tuple[float, float]:
    """(share of questions with a supporting chunk in the top k, mean share of supporting chunks found)."""
    if not outcomes:
        return 0.0, 0.0
    return (
        sum(o.found for o in outcomes) / len(outcomes),
        sum(o.share for o in outcomes) / len(outcomes),
    )


def evaluate(search: Callable[[str], Iterable[Hit]], asked: Iterable[Question]) -> list[Outcome]:
    """Each question's top-k keys through `search` (a function of the question text)."""
    return [Outcome(question, tuple(chunk_key(hit) for hit in search(question.question))) for question in asked]


def searcher(firm_id: uuid.UUID, user_id: uuid.UUID, engagement_id: uuid.UUID) -> Callable[[str], list[Hit]]:
    """shared.retrieval.search as this firm user, one unit of work per question (as an ask has)."""
    from shared import retrieval
    from shared.db.uow import UnitOfWork

    def search(text: str) -> list[Hit]:
        with UnitOfWork(firm_id=firm_id, user_id=user_id) as uow:
            return retrieval.search(uow, engagement_id, text, k=K)

    return search


def index(firm_id: uuid.UUID, user_id: uuid.UUID, engagement_id: uuid.UUID) -> int:
    """(Re)build the engagement's chunks as this firm user; returns how many."""
    from shared import retrieval
    from shared.db.uow import UnitOfWork

    with UnitOfWork(firm_id=firm_id, user_id=user_id) as uow:
        count = retrieval.index_engagement(uow, engagement_id)
        uow.commit()
    return count


def _by_kind(outcomes: Sequence[Outcome]) -> list[tuple[str, int, float]]:
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.question.kind, []).append(outcome)
    return [(kind, len(group), recall(group)[0]) for kind, group in sorted(groups.items())]


def _report_recall(label: str, outcomes: Sequence[Outcome], show_misses: bool) -> float:
    found, strict = recall(outcomes)
    by_kind = ", ".join(f"{kind} {value:.2f} ({n})" for kind, n, value in _by_kind(outcomes))
    print(f"{label:<34} {found:6.3f}   strict {strict:.3f}   by kind: {by_kind}")
    if show_misses:
        for outcome in outcomes:
            if not outcome.found:
                print(f"    miss {outcome.question.id}: {outcome.question.question}")
                print(f"         wanted {', '.join(outcome.question.supporting)}")
                print(f"         got    {', '.join(outcome.retrieved)}")
    return found


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="the engagement's chunks for the latency run")
    parser.add_argument("--asks", type=int, default=50, help="questions asked through the API for latency")
    parser.add_argument("--misses", action="store_true", help="list the questions whose passage was not found")
    args = parser.parse_args()

    from tools.bench_env import scratch

    with scratch("assistant") as (url, _):
        return _run(args, url)


def _run(args: argparse.Namespace, url: str) -> int:
    from shared.db.migrate import upgrade
    from tests.support import request, token_for
    from tools import assistant_fixture

    upgrade(url)
    asked = questions()
    started = time.perf_counter()
    fixture = assistant_fixture.build()
    ids = (fixture.firm_id, fixture.admin_id, fixture.engagement_id)
    built = time.perf_counter() - started
    started = time.perf_counter()
    base = index(*ids)
    indexed = time.perf_counter() - started
    print(f"engagement built in {built:.1f} s; {base} chunks indexed in {indexed:.1f} s; {len(asked)} questions")
    print(f"{'recall@' + str(K):<34} {'value':>6}")
    small = _report_recall(f"{base:,} chunks + public sources", evaluate(searcher(*ids), asked), args.misses)
    notes = drafted_notes(fixture)
    print(
        f"drafted notes: {notes.notes} ({', '.join(notes.topics)}); numbers traced {notes.traced}/{notes.numbers}, "
        f"account figures equal to the trial balance {notes.accounts_equal}/{notes.accounts}; "
        f"citations {notes.citations}, invented {len(notes.invented)}"
        + (f" {notes.invented}" if notes.invented else "")
        + (f"; untraced {notes.untraced}" if notes.untraced else "")
    )

    sections = _sections(fixture)
    assistant_fixture.add_filler(fixture, max(0, args.chunks - base), sections=sections)
    started = time.perf_counter()
    total = index(*ids)
    reindexed = time.perf_counter() - started
    large = _report_recall(f"{total:,} chunks + public sources", evaluate(searcher(*ids), asked), args.misses)
    print(f"re-indexed {total:,} chunks in {reindexed:.1f} s")

    search = searcher(*ids)
    path = f"engagements/{fixture.engagement_id}/assistant/ask"
    token = token_for(fixture.admin_email)  # the build's token may have expired while indexing

    def ask(text: str) -> Any:
        reply = request("POST", path, token=token, json_body={"question": text})
        if reply.status != 200:
            raise SystemExit(f"ask answered {reply.status}: {reply.body[:300]!r}")
        return reply.json()

    sample = [asked[n * len(asked) // args.asks].question for n in range(min(args.asks, len(asked)))]
    first = _timed(ask, sample[0])
    ask_times = [_timed(ask, text) for text in sample]
    search_times = [_timed(search, text) for text in sample]
    provider = ask(sample[0])["provider"]
    print(f"latency over {len(sample)} questions, {total:,} chunks, provider {provider} (first ask {first:.3f} s)")
    for label, times in (("POST .../assistant/ask", ask_times), ("retrieval.search alone", search_times)):
        print(
            f"{label:<34} median {statistics.median(times):.3f} s   p95 {_percentile(times, 0.95):.3f} s   "
            f"max {max(times):.3f} s"
        )
    ok = (
        min(small, large) >= TARGET_RECALL
        and notes.notes > 0
        and notes.traced == notes.numbers
        and notes.accounts_equal == notes.accounts
        and not notes.invented
        and _percentile(ask_times, 0.95) < TARGET_ASK_SECONDS
        and statistics.median(ask_times) < TARGET_ASK_SECONDS
    )
    print(
        f"targets (recall@{K} >= {TARGET_RECALL}, ask median and p95 < {TARGET_ASK_SECONDS} s, notes: every "
        "number traced, no invented citation): " + ("met" if ok else "MISSED")
    )
    return 0 if ok else 1


@dataclass
class NotesCheck:
    topics: list[str]
    notes: int = 0
    numbers: int = 0
    traced: int = 0
    untraced: list[str] = field(default_factory=list)
    accounts: int = 0
    accounts_equal: int = 0
    citations: int = 0
    invented: list[str] = field(default_factory=list)


def drafted_notes(fixture: Any) -> NotesCheck:
    """Draft every topic the checklist turns on and trace each printed figure and each citation."""
    from decimal import Decimal

    from functions.disclosures.references import ALLOWED, CITATION, NUMBER
    from shared import retrieval
    from shared.db.uow import UnitOfWork
    from tests.support import request, token_for
    from tools.assistant_fixture import balanced_accounts

    token = token_for(fixture.admin_email)
    base = f"engagements/{fixture.engagement_id}/disclosures"
    checklist = request("GET", f"{base}/checklist", token=token)
    if checklist.status != 200:
        raise SystemExit(f"checklist answered {checklist.status}: {checklist.body[:300]!r}")
    found = NotesCheck([topic["topic"] for topic in checklist.json()["topics"] if topic["on"]])
    ledger = {number: amount for number, _, amount, _ in balanced_accounts()}
    shipped = {section.key for section in retrieval.source_sections()}
    for topic in found.topics:
        reply = request("POST", f"{base}/notes", token=token, json_body={"topic": topic})
        if reply.status != 201:
            raise SystemExit(f"drafting {topic} answered {reply.status}: {reply.body[:300]!r}")
        note = reply.json()
        found.notes += 1
        given = {number for value in note["values"].values() for number in NUMBER.findall(value)}
        for number in NUMBER.findall(ALLOWED.sub(" ", note["rendered"])):
            found.numbers += 1
            if number in given:
                found.traced += 1
            else:
                found.untraced.append(f"{topic}: {number}")
        for reference, value in note["values"].items():
            parts = reference.split(":")
            if parts[0] == "tb" and len(parts) == 2 and parts[1] in ledger:
                found.accounts += 1
                amount = Decimal(value.strip("()").replace(",", ""))
                found.accounts_equal += amount == abs(ledger[parts[1]])
        keys = [f"{kind}:{target}" for kind, target in CITATION.findall(note["body"])]
        chunk_ids = {_uuid(key) for key in keys if key.startswith("chunk:")} - {None}
        with UnitOfWork(firm_id=fixture.firm_id, user_id=fixture.admin_id) as uow:
            known = retrieval.chunks_by_id(uow, fixture.engagement_id, {i for i in chunk_ids if i})
        for key in keys:
            found.citations += 1
            exists = key in shipped if key.startswith("source:") else _uuid(key) in known
            if not exists:
                found.invented.append(f"{topic}: {key}")
    return found


def _uuid(key: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(key.split(":", 1)[1])
    except ValueError:
        return None


def _timed(action: Callable[[str], object], question: str) -> float:
    started = time.perf_counter()
    action(question)
    return time.perf_counter() - started


def _sections(fixture: Any) -> dict[str, uuid.UUID]:
    from sqlalchemy import select

    from shared.db.models_engagement import BinderNode
    from shared.db.uow import UnitOfWork

    with UnitOfWork(firm_id=fixture.firm_id, user_id=fixture.admin_id) as uow:
        rows = uow.session.execute(
            select(BinderNode.index_code, BinderNode.id).where(
                BinderNode.engagement_id == fixture.engagement_id, BinderNode.kind == "folder"
            )
        )
        return {str(code): node_id for code, node_id in rows}


if __name__ == "__main__":
    raise SystemExit(main())
