"""The disclosure checklist as data: what each framework asks the notes to say, by topic, in our own words.

Each item cites the requirement by section (FASB ASC paragraph, SEC Regulation S-X rule) so a reviewer
can look it up; the wording is ours, never the standard's text. `frameworks` says which checklist carries
the item: `us_gaap_private` (US GAAP, an entity that is not an SEC issuer) and `sec_issuer` (US GAAP
plus what Regulation S-X adds for a registrant). `triggers` say what in the engagement's data switches
the item on (checklist.py reads them); an item with no trigger that fires is listed as off.

Trigger kinds:
- `always`: every engagement needs it (accounting policies, the subsequent-events evaluation date);
- `accounts`: a mapped account on one of these standard chart codes has a balance (this year or prior);
- `section`: an account mapped to this section of the standard chart has a balance;
- `register`: the related-party or subsequent-events register has an entry;
- `indicator`: a going-concern indicator of the year's mapped trial balance is present (the codes and
  the rule deciding each are shared/going_concern.py's, as financial analysis decides them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared import going_concern

Framework = Literal["us_gaap_private", "sec_issuer"]
FRAMEWORKS: tuple[Framework, ...] = ("us_gaap_private", "sec_issuer")
BOTH: tuple[Framework, ...] = FRAMEWORKS
ISSUER: tuple[Framework, ...] = ("sec_issuer",)
PRIVATE: tuple[Framework, ...] = ("us_gaap_private",)
TriggerKind = Literal["always", "accounts", "section", "register", "indicator"]

TOPICS: dict[str, str] = {
    "accounting_policies": "Summary of significant accounting policies",
    "revenue": "Revenue from contracts with customers",
    "leases": "Leases",
    "debt": "Debt",
    "income_taxes": "Income taxes",
    "related_parties": "Related-party transactions",
    "subsequent_events": "Subsequent events",
    "going_concern": "Going concern",
    "concentrations": "Concentrations and risks",
    "fair_value": "Fair value measurements",
}

LEASE_CODES = ("1590", "1595", "2100", "2110", "2550", "2560")
DEBT_CODES = ("2080", "2085", "2090", "2500", "2510", "2520", "2530", "2540")
TAX_CODES = ("1170", "1660", "2060", "2570", "9000", "9010", "9020", "9030")
RELATED_CODES = ("1150", "2130", "2540")
CONTRACT_BALANCE_CODES = ("1160", "1340", "2070", "2075", "2580")
FAIR_VALUE_CODES = ("1050", "1360", "1630", "1690", "2170")
CASH_CODES = ("1000", "1010", "1020", "1030", "1040")
RECEIVABLE_CODES = ("1100", "1160")
INTEREST_CODES = ("8010", "8090")


@dataclass(frozen=True)
class Trigger:
    kind: TriggerKind
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    code: str
    topic: str
    requirement: str
    citation: str
    frameworks: tuple[Framework, ...]
    triggers: tuple[Trigger, ...]


ALWAYS = (Trigger("always"),)
REVENUE = (Trigger("section", ("revenue",)),)
LEASES = (Trigger("accounts", LEASE_CODES),)
DEBT = (Trigger("accounts", DEBT_CODES),)
TAXES = (Trigger("accounts", TAX_CODES), Trigger("section", ("income_tax",)))
RELATED = (Trigger("accounts", RELATED_CODES), Trigger("register", ("related_parties",)))
EVENTS = (Trigger("register", ("subsequent_events",)),)
GOING_CONCERN = (Trigger("indicator", going_concern.YEAR_INDICATORS),)
FAIR_VALUE = (Trigger("accounts", FAIR_VALUE_CODES),)

ITEMS: tuple[Item, ...] = (
    # --- accounting policies ---------------------------------------------------------------------
    Item(
        "policies.summary",
        "accounting_policies",
        "Describe the accounting principles the entity follows and how it applies them where a choice exists",
        "ASC 235-10-50-1",
        BOTH,
        ALWAYS,
    ),
    Item(
        "policies.estimates",
        "accounting_policies",
        "Say that preparing the statements requires estimates and that actual results may differ",
        "ASC 275-10-50-4",
        BOTH,
        ALWAYS,
    ),
    Item(
        "policies.derivatives",
        "accounting_policies",
        "Describe the policy for derivative instruments held",
        "Regulation S-X 4-08(n)",
        ISSUER,
        (Trigger("accounts", ("1360", "2170")),),
    ),
    # --- revenue -----------------------------------------------------------------------------------
    Item(
        "revenue.disaggregation",
        "revenue",
        "Disaggregate revenue into categories showing how economic factors affect it",
        "ASC 606-10-50-5",
        ISSUER,
        REVENUE,
    ),
    Item(
        "revenue.disaggregation_private",
        "revenue",
        "Disaggregate revenue at least by timing of transfer (point in time or over time)",
        "ASC 606-10-50-7",
        PRIVATE,
        REVENUE,
    ),
    Item(
        "revenue.performance_obligations",
        "revenue",
        "Describe the performance obligations: when they are satisfied, payment terms, nature of the goods or services",
        "ASC 606-10-50-12",
        BOTH,
        REVENUE,
    ),
    Item(
        "revenue.contract_balances",
        "revenue",
        "Give the opening and closing receivables, contract assets and contract liabilities",
        "ASC 606-10-50-8",
        BOTH,
        (Trigger("accounts", CONTRACT_BALANCE_CODES),),
    ),
    Item(
        "revenue.remaining_obligations",
        "revenue",
        "Give the transaction price allocated to the remaining performance obligations and when it is expected",
        "ASC 606-10-50-13",
        ISSUER,
        REVENUE,
    ),
    Item(
        "revenue.judgments",
        "revenue",
        "Explain the significant judgments in timing of satisfaction and in the transaction price",
        "ASC 606-10-50-17",
        BOTH,
        REVENUE,
    ),
    # --- leases ------------------------------------------------------------------------------------
    Item(
        "leases.general",
        "leases",
        "Describe the leases: their nature, terms, renewal and purchase options, variable payments",
        "ASC 842-20-50-3",
        BOTH,
        LEASES,
    ),
    Item(
        "leases.cost",
        "leases",
        "Give the lease cost by component: finance lease cost, operating lease cost, short-term and variable",
        "ASC 842-20-50-4",
        BOTH,
        LEASES,
    ),
    Item(
        "leases.maturity",
        "leases",
        "Give a maturity analysis of the lease liabilities for each of the next five years and the rest, "
        "reconciled to the liabilities on the balance sheet",
        "ASC 842-20-50-6",
        BOTH,
        LEASES,
    ),
    Item(
        "leases.rates_terms",
        "leases",
        "Give the weighted-average remaining lease term and discount rate, operating and finance separately",
        "ASC 842-20-50-4(g)",
        BOTH,
        LEASES,
    ),
    # --- debt --------------------------------------------------------------------------------------
    Item(
        "debt.maturities",
        "debt",
        "Give the aggregate maturities of long-term borrowings for each of the five years after the balance sheet date",
        "ASC 470-10-50-1",
        BOTH,
        DEBT,
    ),
    Item(
        "debt.terms",
        "debt",
        "Describe each significant borrowing: lender, interest rate, maturity, collateral and covenants",
        "ASC 440-10-50-1; ASC 470-10-50",
        BOTH,
        DEBT,
    ),
    Item(
        "debt.interest",
        "debt",
        "Give the interest cost incurred and the part capitalized",
        "ASC 835-20-50-1",
        BOTH,
        (*DEBT, Trigger("accounts", INTEREST_CODES)),
    ),
    Item(
        "debt.liens",
        "debt",
        "Name the assets mortgaged, pledged or otherwise subject to lien and the obligations they secure",
        "Regulation S-X 4-08(b)",
        ISSUER,
        DEBT,
    ),
    Item(
        "debt.defaults",
        "debt",
        "State the facts and amounts of any uncured default or covenant breach at the balance sheet date",
        "Regulation S-X 4-08(c)",
        ISSUER,
        DEBT,
    ),
    Item(
        "debt.dividend_restrictions",
        "debt",
        "Describe the significant restrictions on paying dividends and the amounts restricted",
        "Regulation S-X 4-08(e)",
        ISSUER,
        DEBT,
    ),
    # --- income taxes ------------------------------------------------------------------------------
    Item(
        "taxes.components",
        "income_taxes",
        "Give the components of income tax expense: current and deferred",
        "ASC 740-10-50-9",
        BOTH,
        TAXES,
    ),
    Item(
        "taxes.deferred",
        "income_taxes",
        "Give the total deferred tax assets, liabilities and valuation allowance, with the types of "
        "temporary differences and carryforwards",
        "ASC 740-10-50-2; ASC 740-10-50-8",
        BOTH,
        TAXES,
    ),
    Item(
        "taxes.rate_reconciliation",
        "income_taxes",
        "Reconcile the expected tax at the statutory rate to the reported income tax expense",
        "ASC 740-10-50-12",
        ISSUER,
        TAXES,
    ),
    Item(
        "taxes.rate_reconciliation_private",
        "income_taxes",
        "Describe the nature of the significant reconciling items between the statutory and effective rates",
        "ASC 740-10-50-13",
        PRIVATE,
        TAXES,
    ),
    Item(
        "taxes.uncertain_positions",
        "income_taxes",
        "Describe the uncertain tax positions, open tax years and the policy for interest and penalties",
        "ASC 740-10-50-15",
        BOTH,
        TAXES,
    ),
    Item(
        "taxes.expense_detail",
        "income_taxes",
        "Give income before tax as domestic and foreign, and the tax expense by jurisdiction",
        "Regulation S-X 4-08(h)",
        ISSUER,
        TAXES,
    ),
    # --- related parties ---------------------------------------------------------------------------
    Item(
        "related.transactions",
        "related_parties",
        "Describe each material related-party relationship and transaction, with the amounts for each period",
        "ASC 850-10-50-1",
        BOTH,
        RELATED,
    ),
    Item(
        "related.balances",
        "related_parties",
        "Give the amounts due from or to related parties at the balance sheet date and their terms",
        "ASC 850-10-50-1(d)",
        BOTH,
        RELATED,
    ),
    Item(
        "related.arms_length",
        "related_parties",
        "Do not call a related-party transaction arm's length unless that can be substantiated",
        "ASC 850-10-50-5",
        BOTH,
        RELATED,
    ),
    Item(
        "related.face_amounts",
        "related_parties",
        "Show related-party amounts separately on the face of the balance sheet and income statement",
        "Regulation S-X 4-08(k)",
        ISSUER,
        RELATED,
    ),
    # --- subsequent events -------------------------------------------------------------------------
    Item(
        "events.evaluation_date",
        "subsequent_events",
        "Give the date through which subsequent events were evaluated and whether it is the date the "
        "statements were issued or available to be issued",
        "ASC 855-10-50-1",
        PRIVATE,
        ALWAYS,
    ),
    Item(
        "events.nonrecognized",
        "subsequent_events",
        "Describe each nonrecognized subsequent event: its nature and an estimate of its financial effect",
        "ASC 855-10-50-2",
        BOTH,
        EVENTS,
    ),
    # --- going concern -----------------------------------------------------------------------------
    Item(
        "going_concern.conditions",
        "going_concern",
        "Describe the conditions that raise substantial doubt and management's evaluation of them",
        "ASC 205-40-50-12",
        BOTH,
        GOING_CONCERN,
    ),
    Item(
        "going_concern.plans",
        "going_concern",
        "Describe management's plans and whether they alleviate the substantial doubt",
        "ASC 205-40-50-13",
        BOTH,
        GOING_CONCERN,
    ),
    # --- concentrations ----------------------------------------------------------------------------
    Item(
        "concentrations.credit_risk",
        "concentrations",
        "Describe the significant concentrations of credit risk from financial instruments (cash above "
        "insured limits, receivables)",
        "ASC 825-10-50-21",
        BOTH,
        (Trigger("accounts", (*CASH_CODES, *RECEIVABLE_CODES)),),
    ),
    Item(
        "concentrations.vulnerability",
        "concentrations",
        "Describe concentrations in customers, suppliers or markets that expose the entity to a near-term "
        "severe impact",
        "ASC 275-10-50-16",
        BOTH,
        REVENUE,
    ),
    Item(
        "concentrations.major_customers",
        "concentrations",
        "Say when revenue from one customer is ten percent or more of the total, and the amount",
        "ASC 280-10-50-42",
        ISSUER,
        REVENUE,
    ),
    # --- fair value --------------------------------------------------------------------------------
    Item(
        "fair_value.hierarchy",
        "fair_value",
        "For items measured at fair value, give the amounts by level of the fair value hierarchy",
        "ASC 820-10-50-2",
        BOTH,
        FAIR_VALUE,
    ),
    Item(
        "fair_value.level3",
        "fair_value",
        "Reconcile the opening and closing balances of Level 3 measurements and describe the inputs",
        "ASC 820-10-50-2(c)",
        BOTH,
        FAIR_VALUE,
    ),
    Item(
        "fair_value.financial_instruments",
        "fair_value",
        "Give the fair value of financial instruments not carried at fair value",
        "ASC 825-10-50-10",
        ISSUER,
        (*FAIR_VALUE, *DEBT),
    ),
)

BY_CODE: dict[str, Item] = {item.code: item for item in ITEMS}


def items_for(framework: Framework) -> tuple[Item, ...]:
    """The framework's checklist in topic order."""
    order = list(TOPICS)
    return tuple(
        sorted((item for item in ITEMS if framework in item.frameworks), key=lambda item: order.index(item.topic))
    )
