"""Suggestions for every account of a chart, best evidence first.

In order, each with a confidence (0-1) and up to three alternatives:

1. prior_year: the firm's confirmed mapping of the same client's prior engagement, when the account
   has the same number and a similar name;
2. rule: the firm's own rules (number ranges, name patterns), in the firm's order;
3. model: a name the firm's reviewers mapped before, then the firm's trained classifier when it is
   surer than name similarity;
4. similarity: the name against the standard chart's names and aliases, in one vocabulary
   (synonyms.py), with the balance's sign as evidence (sign.py);
5. numbering: an account whose name says little takes the section its chart's numbering gives it,
   learned from the accounts placed with confidence (numbering.py).

Pure: plain values in and out, so the benchmark and the unit tests run it without a database.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from functions.mapping.suggest import cues, numbering, sign
from functions.mapping.suggest.classifier import Taught
from functions.mapping.suggest.firm_rules import RULE_CONFIDENCE, Rule, first_match
from functions.mapping.suggest.similarity import Matcher
from functions.mapping.suggest.synonyms import normalise
from shared.standard_chart import FALLBACK, Chart, StandardAccount

PRIOR_CONFIDENCE = 0.98
PRIOR_NAME_SIMILARITY = 80  # 0-100: a renamed account is a different account
LANDMARK = 85.0  # a similarity this high places an account firmly enough to teach the numbering
WEAK = 70.0  # below this, the name alone does not decide the section
AGREEMENT = 0.6  # the share of nearby landmarks that must agree before numbering overrules a weak name
MODEL_MIN = 0.6  # a classifier less sure than this leaves the name and the numbering to decide
FLOOR = 35.0  # within the section numbering chose, a candidate scoring less gives way to the section's default
ALTERNATIVES = 3
METHODS = ("prior_year", "rule", "similarity", "numbering", "model", "manual")


@dataclass(frozen=True)
class Account:
    number: str
    name: str
    balance: Decimal | None = None


@dataclass(frozen=True)
class Alternative:
    standard_code: str
    confidence: float


@dataclass(frozen=True)
class Suggestion:
    account_number: str
    standard_code: str | None  # None: nothing to go on (no name, no neighbours)
    confidence: float
    method: str
    alternatives: tuple[Alternative, ...] = ()


@dataclass
class Knowledge:
    """What the firm brings: the client's prior confirmed mapping, its rules, what its reviewers taught."""

    prior: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # number -> (name, standard code)
    rules: Sequence[Rule] = ()
    taught: Taught | None = None


@functools.lru_cache(maxsize=8)
def _matcher(accounts: tuple[StandardAccount, ...]) -> Matcher:
    return Matcher(Chart(accounts))


def _confidence(score: float) -> float:
    return round(min(max(score, 0.0), 100.0) / 100, 3)


def _from_prior(account: Account, knowledge: Knowledge, chart: Chart) -> str | None:
    from rapidfuzz import fuzz

    found = knowledge.prior.get(account.number)
    if found is None or found[1] not in chart:
        return None
    similar = fuzz.token_sort_ratio(normalise(found[0]), normalise(account.name))
    return found[1] if similar >= PRIOR_NAME_SIMILARITY else None


def suggest(accounts: Sequence[Account], chart: Chart, knowledge: Knowledge | None = None) -> list[Suggestion]:
    """One suggestion per account, in the order given."""
    import numpy as np

    knowledge = knowledge or Knowledge()
    if not accounts:
        return []
    matcher = _matcher(chart.accounts)
    names, balances = [a.name for a in accounts], [a.balance for a in accounts]
    scores = matcher.scores(names) - sign.penalties(chart, balances) - cues.penalties(chart, names, balances)
    best = scores.argmax(axis=1)
    codes = [account.code for account in chart.accounts]
    sections = np.array([account.section for account in chart.accounts])
    taught = knowledge.taught
    predicted = taught.predict(names) if taught is not None else [None] * len(accounts)

    decided: dict[int, tuple[str, float, str]] = {}
    for row, account in enumerate(accounts):
        prior = _from_prior(account, knowledge, chart)
        rule = first_match(knowledge.rules, account.number, account.name) if prior is None else None
        remembered = taught.remembered(account.name) if taught is not None and prior is None and rule is None else None
        if prior is not None:
            decided[row] = (prior, PRIOR_CONFIDENCE, "prior_year")
        elif rule is not None and rule.standard_code in chart:
            decided[row] = (rule.standard_code, RULE_CONFIDENCE, "rule")
        elif remembered is not None and remembered.standard_code in chart:
            decided[row] = (remembered.standard_code, remembered.confidence, "model")

    landmarks = [
        (account.number, chart[decided[row][0]].section if row in decided else str(sections[best[row]]))
        for row, account in enumerate(accounts)
        if row in decided or scores[row, best[row]] >= LANDMARK
    ]
    plan = numbering.Plan(landmarks)

    result: list[Suggestion] = []
    for row, account in enumerate(accounts):
        top = float(scores[row, best[row]])
        if row in decided:
            code, confidence, method = decided[row]
        else:
            code, confidence, method = codes[best[row]], _confidence(top), "similarity"
            model = predicted[row]
            if model is not None and model.standard_code in chart and model.confidence > max(confidence, MODEL_MIN):
                code, confidence, method = model.standard_code, round(model.confidence, 3), "model"
            elif top < WEAK:
                vote = plan.vote(account.number)
                sure = vote is not None and (vote.agreement >= AGREEMENT or top < FLOOR)
                # A weak name in the section its neighbours give keeps its best candidate there; the
                # evidence that placed it is still the numbering.
                if vote is not None and sure:
                    within = np.where(sections == vote.section, scores[row], -np.inf)
                    choice = int(within.argmax())
                    code = codes[choice] if within[choice] >= FLOOR else FALLBACK[vote.section]
                    confidence, method = round(0.4 + 0.3 * vote.agreement, 3), "numbering"
                elif top <= 0 and vote is None:
                    result.append(Suggestion(account.number, None, 0.0, "similarity"))
                    continue
        alternatives = tuple(
            Alternative(codes[index], _confidence(float(scores[row, index])))
            for index in np.argsort(-scores[row])[: ALTERNATIVES + 1]
            if codes[index] != code
        )[:ALTERNATIVES]
        result.append(Suggestion(account.number, code, confidence, method, alternatives))
    return result
