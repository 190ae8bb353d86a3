"""The starter library of audit procedures and the account areas they are filed under.

Plain data written by us, in our own words, so a reviewer can read the whole library on one screen and a
test can check it (codes unique, every area and assertion known, each area answered by substantive work).
Every firm reads these; a firm adds its own beside them and may hide any of them (models_program.py).

An area is one of the standard chart's lead-sheet groups (shared/standard_chart.LEAD_SHEETS), plus
journal entries, which belong to no account but answer the risk of management override (ISA 240.32).
A risk in the register names its area in free text ("Revenue", "Trade receivables"); `area_of` reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.standard_chart import LEAD_SHEETS

ASSERTIONS = (
    "existence",
    "completeness",
    "accuracy",
    "valuation",
    "cut_off",
    "rights_and_obligations",
    "presentation",
    "occurrence",
    "classification",
)
NATURES = ("test_of_controls", "substantive_analytical", "test_of_details")
SUBSTANTIVE = frozenset({"substantive_analytical", "test_of_details"})
# What kind of risk a procedure is written to answer.
RISK_RESPONSES = ("routine", "significant_risk", "fraud_risk", "controls_reliance")


@dataclass(frozen=True)
class Area:
    code: str
    label: str
    lead_sheets: tuple[str, ...]
    keywords: tuple[str, ...]


AREAS: tuple[Area, ...] = (
    Area("cash", LEAD_SHEETS["A"], ("A",), ("cash", "bank", "treasury", "petty cash")),
    Area("receivables", LEAD_SHEETS["B"], ("B",), ("receivable", "debtor", "doubtful", "credit loss")),
    Area("inventory", LEAD_SHEETS["C"], ("C",), ("inventor", "stock", "work in progress", "obsolescence")),
    Area(
        "fixed_assets",
        LEAD_SHEETS["E"],
        ("E",),
        ("fixed asset", "property", "plant", "equipment", "ppe", "depreciation", "capital expenditure"),
    ),
    Area(
        "payables",
        LEAD_SHEETS["L"],
        ("L",),
        ("payable", "creditor", "accrual", "accrued", "accrued expenses", "accrued liabilities", "liabilities"),
    ),
    Area("revenue", LEAD_SHEETS["R"], ("R",), ("revenue", "sales", "turnover", "income from contracts")),
    Area(
        "expenses",
        "Cost of sales and operating expenses",
        ("S", "T"),
        ("expense", "cost of sales", "cost of goods", "payroll", "salar", "wage", "purchases", "operating"),
    ),
    Area("equity", LEAD_SHEETS["P"], ("P",), ("equity", "share capital", "capital stock", "retained", "dividend")),
    Area(
        "journal_entries",
        "Journal entries and management override",
        (),
        ("journal", "override", "manual entr", "financial reporting process", "general ledger"),
    ),
)
AREA_CODES = tuple(area.code for area in AREAS)
BY_AREA = {area.code: area for area in AREAS}
OTHER_AREA = "other"


def area_of(text: str) -> str:
    """The area a risk's free-text area names: its code, label or lead-sheet letter, else the longest
    keyword it contains ("Cost of sales" is an expense, not revenue); `other` when none fits."""
    wanted = text.strip().lower()
    for area in AREAS:
        if wanted in (area.code, area.label.lower(), area.code.replace("_", " ")) or wanted.upper() in area.lead_sheets:
            return area.code
    best, length = OTHER_AREA, 0
    for area in AREAS:
        for keyword in area.keywords:
            if len(keyword) > length and re.search(rf"\b{re.escape(keyword)}", wanted):
                best, length = area.code, len(keyword)
    return best


@dataclass(frozen=True)
class Procedure:
    """A library procedure; `source` is starter (shipped) or firm (the firm's own)."""

    code: str
    title: str
    objective: str
    assertions: tuple[str, ...]
    areas: tuple[str, ...]
    risk_responses: tuple[str, ...]
    nature: str
    source: str = "starter"

    @property
    def substantive(self) -> bool:
        return self.nature in SUBSTANTIVE


TOC, SAP, TOD = NATURES
ROUTINE, SIGNIFICANT, FRAUD, CONTROLS = RISK_RESPONSES


def _p(
    code: str,
    title: str,
    objective: str,
    assertions: tuple[str, ...],
    areas: tuple[str, ...],
    responses: tuple[str, ...],
    nature: str,
) -> Procedure:
    return Procedure(code, title, objective, assertions, areas, responses, nature)


STARTER: tuple[Procedure, ...] = (
    # --- cash ---------------------------------------------------------------------------------------
    _p(
        "CASH-01",
        "Confirm bank balances and facilities with each bank",
        "Obtain the bank's own statement of every account, loan and guarantee at the period end and agree it "
        "to the ledger.",
        ("existence", "rights_and_obligations", "completeness"),
        ("cash",),
        (ROUTINE, SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "CASH-02",
        "Re-perform the period-end bank reconciliations",
        "Agree the reconciliation to the bank statement and the ledger, and trace reconciling items to "
        "the statements after the period end.",
        ("existence", "accuracy", "completeness", "cut_off"),
        ("cash",),
        (ROUTINE, SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "CASH-03",
        "Test transfers between accounts around the period end",
        "List transfers in the days either side of the period end and check both legs fall in the same period.",
        ("cut_off", "existence"),
        ("cash",),
        (SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "CASH-04",
        "Test the review and approval of bank reconciliations",
        "For a sample of months, check each reconciliation was prepared on time and reviewed by someone who "
        "does not handle cash.",
        ("existence", "accuracy"),
        ("cash",),
        (CONTROLS,),
        TOC,
    ),
    _p(
        "CASH-05",
        "Check restrictions and the classification of cash",
        "Identify balances held as security, in escrow or otherwise restricted, and check they are presented "
        "and disclosed apart from free cash.",
        ("presentation", "classification", "rights_and_obligations"),
        ("cash",),
        (ROUTINE,),
        TOD,
    ),
    # --- receivables --------------------------------------------------------------------------------
    _p(
        "AR-01",
        "Confirm customer balances",
        "Send confirmations to a sample of customers drawn from the aged listing, follow up exceptions, and "
        "use alternative procedures where no reply comes.",
        ("existence", "rights_and_obligations", "accuracy"),
        ("receivables",),
        (ROUTINE, SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "AR-02",
        "Vouch receipts after the period end",
        "For balances not confirmed, agree cash received after the period end to remittances and the items it settles.",
        ("existence", "valuation"),
        ("receivables",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "AR-03",
        "Assess the allowance for expected credit losses",
        "Review the aged listing, customer history and later receipts, and judge whether the allowance is "
        "reasonable; compare last year's allowance with what was written off.",
        ("valuation",),
        ("receivables",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "AR-04",
        "Agree the aged receivables listing to the ledger",
        "Foot the aged listing, agree its total to the control account and test the ageing of a sample of invoices.",
        ("completeness", "accuracy", "valuation"),
        ("receivables",),
        (ROUTINE,),
        TOD,
    ),
    _p(
        "AR-05",
        "Analyse days sales outstanding and the ageing profile",
        "Compare days sales outstanding and the share of overdue balances with the prior period and "
        "expectations; investigate what moves beyond the threshold.",
        ("valuation", "existence"),
        ("receivables",),
        (ROUTINE,),
        SAP,
    ),
    _p(
        "AR-06",
        "Test credit approval for new customers and limits",
        "For a sample of new customers and limit increases, check credit was approved before goods shipped.",
        ("valuation", "existence"),
        ("receivables",),
        (CONTROLS,),
        TOC,
    ),
    _p(
        "AR-07",
        "Review credit notes issued after the period end",
        "Inspect credit notes raised after the period end for sales that should be reversed in the period audited.",
        ("cut_off", "existence", "valuation"),
        ("receivables", "revenue"),
        (SIGNIFICANT, FRAUD),
        TOD,
    ),
    # --- inventory ----------------------------------------------------------------------------------
    _p(
        "INV-01",
        "Attend the physical inventory count",
        "Observe the count, assess the counting instructions, make test counts both from the floor to the "
        "sheets and from the sheets to the floor.",
        ("existence", "completeness"),
        ("inventory",),
        (ROUTINE, SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "INV-02",
        "Trace test counts to the final inventory listing",
        "Agree the counts recorded during attendance to the final priced listing and investigate differences.",
        ("existence", "completeness", "accuracy"),
        ("inventory",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "INV-03",
        "Test the costing of inventory items",
        "For a sample of items, agree unit cost to purchase invoices or cost build-ups, including overhead absorption.",
        ("valuation", "accuracy"),
        ("inventory",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "INV-04",
        "Test net realisable value and obsolete items",
        "Compare cost with selling prices after the period end and review slow-moving reports for items that "
        "should be written down.",
        ("valuation",),
        ("inventory",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "INV-05",
        "Test goods received and dispatched around the count and period end",
        "Record the last goods received and dispatched notes and check the related purchases and sales are "
        "in the right period.",
        ("cut_off", "completeness", "existence"),
        ("inventory", "payables", "revenue"),
        (SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "INV-06",
        "Analyse gross margin and inventory turnover",
        "Compare gross margin and inventory days by product line with the prior period and budget; corroborate "
        "what moves.",
        ("valuation", "completeness"),
        ("inventory", "expenses"),
        (ROUTINE,),
        SAP,
    ),
    _p(
        "INV-07",
        "Test inventory held by third parties and on consignment",
        "Confirm stock held by warehouses or customers and check consigned stock of others is excluded.",
        ("existence", "rights_and_obligations"),
        ("inventory",),
        (ROUTINE,),
        TOD,
    ),
    # --- fixed assets -------------------------------------------------------------------------------
    _p(
        "FA-01",
        "Vouch additions to property and equipment",
        "For additions above a threshold, agree cost to invoices and contracts and check they are capital, "
        "not repairs.",
        ("existence", "accuracy", "classification", "rights_and_obligations"),
        ("fixed_assets",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "FA-02",
        "Test disposals and the gain or loss on them",
        "Agree proceeds to sale documents, check cost and depreciation were removed and recompute the gain or loss.",
        ("existence", "accuracy", "completeness"),
        ("fixed_assets",),
        (ROUTINE,),
        TOD,
    ),
    _p(
        "FA-03",
        "Recompute depreciation",
        "Recompute the charge for the year from the register's cost, lives and methods, or estimate it "
        "analytically and investigate differences.",
        ("valuation", "accuracy"),
        ("fixed_assets", "expenses"),
        (ROUTINE,),
        SAP,
    ),
    _p(
        "FA-04",
        "Inspect assets and title documents",
        "Physically inspect a sample of assets from the register and examine title deeds or registrations.",
        ("existence", "rights_and_obligations"),
        ("fixed_assets",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "FA-05",
        "Assess indicators of impairment",
        "Consider idle assets, falling results and market changes, and review management's impairment test "
        "where there is an indicator.",
        ("valuation",),
        ("fixed_assets",),
        (SIGNIFICANT,),
        TOD,
    ),
    _p(
        "FA-06",
        "Search repairs and maintenance for capital items",
        "Scan repairs and maintenance for items that should have been capitalised.",
        ("completeness", "classification"),
        ("fixed_assets", "expenses"),
        (ROUTINE,),
        TOD,
    ),
    # --- payables -----------------------------------------------------------------------------------
    _p(
        "AP-01",
        "Search for unrecorded liabilities",
        "Examine payments and invoices received after the period end and check goods or services received "
        "before it are recorded.",
        ("completeness", "cut_off"),
        ("payables", "expenses"),
        (ROUTINE, SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "AP-02",
        "Reconcile supplier statements to the ledger",
        "For a sample of suppliers, chosen from activity rather than balance, reconcile their statements to "
        "the ledger.",
        ("completeness", "existence", "accuracy"),
        ("payables",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "AP-03",
        "Test accruals against support",
        "Agree significant accruals to invoices received later, contracts or calculations, and compare with "
        "last year's accruals.",
        ("valuation", "completeness", "existence"),
        ("payables",),
        (ROUTINE,),
        TOD,
    ),
    _p(
        "AP-04",
        "Analyse payables days and accruals against expectations",
        "Compare payables days and each accrual with the prior period and budget; corroborate what moves.",
        ("completeness",),
        ("payables",),
        (ROUTINE,),
        SAP,
    ),
    _p(
        "AP-05",
        "Test three-way matching before payment",
        "For a sample of payments, check the purchase order, receipt and invoice were matched and the payment "
        "approved.",
        ("existence", "accuracy"),
        ("payables", "expenses"),
        (CONTROLS,),
        TOC,
    ),
    _p(
        "AP-06",
        "Review the classification of liabilities",
        "Check amounts due after twelve months, debit balances and related-party balances are presented apart.",
        ("classification", "presentation"),
        ("payables",),
        (ROUTINE,),
        TOD,
    ),
    # --- revenue ------------------------------------------------------------------------------------
    _p(
        "REV-01",
        "Vouch recorded sales to delivery evidence",
        "For a sample of sales invoices, agree to the customer order, delivery note and the cash received.",
        ("occurrence", "accuracy", "existence"),
        ("revenue",),
        (ROUTINE, SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "REV-02",
        "Trace deliveries to sales invoices",
        "From a sample of delivery notes, check each was invoiced and recorded as revenue.",
        ("completeness",),
        ("revenue",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "REV-03",
        "Test sales cut-off",
        "For deliveries and invoices in the days either side of the period end, check revenue is recorded in "
        "the period the performance obligation was met.",
        ("cut_off", "occurrence", "completeness"),
        ("revenue", "receivables"),
        (ROUTINE, SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "REV-04",
        "Build an expectation of revenue and compare",
        "Predict revenue from volumes, prices or capacity, compare with what was recorded and corroborate "
        "differences above the threshold.",
        ("occurrence", "completeness", "accuracy"),
        ("revenue",),
        (ROUTINE,),
        SAP,
    ),
    _p(
        "REV-05",
        "Review significant contracts for recognition terms",
        "Read contracts with unusual terms (bill and hold, rights of return, side agreements, multiple "
        "obligations) and check revenue follows them.",
        ("occurrence", "accuracy", "presentation"),
        ("revenue",),
        (SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "REV-06",
        "Test pricing and invoice approval controls",
        "For a sample of invoices, check prices came from the approved list and overrides were authorised.",
        ("accuracy", "occurrence"),
        ("revenue",),
        (CONTROLS,),
        TOC,
    ),
    # --- expenses -----------------------------------------------------------------------------------
    _p(
        "EXP-01",
        "Vouch a sample of expenses to invoices",
        "Agree a sample of expense entries to invoices, check they belong to the entity and to the period, "
        "and are coded correctly.",
        ("occurrence", "accuracy", "classification", "cut_off"),
        ("expenses",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "EXP-02",
        "Analyse expenses by month and against the prior period",
        "Compare each expense line by month and with the prior period and budget, and corroborate what moves.",
        ("completeness", "occurrence", "classification"),
        ("expenses",),
        (ROUTINE,),
        SAP,
    ),
    _p(
        "EXP-03",
        "Test payroll against employee records",
        "Reconcile payroll to the general ledger and tax filings; agree a sample of employees to contracts, "
        "rates and time records.",
        ("occurrence", "accuracy", "existence"),
        ("expenses",),
        (ROUTINE, SIGNIFICANT, FRAUD),
        TOD,
    ),
    _p(
        "EXP-04",
        "Predict payroll from headcount and rates",
        "Estimate the year's payroll from average headcount and pay rates and compare with what was recorded.",
        ("completeness", "accuracy"),
        ("expenses",),
        (ROUTINE,),
        SAP,
    ),
    _p(
        "EXP-05",
        "Test approval of purchases",
        "For a sample of purchases, check they were approved within the approver's authority before ordering.",
        ("occurrence",),
        ("expenses",),
        (CONTROLS,),
        TOC,
    ),
    # --- equity -------------------------------------------------------------------------------------
    _p(
        "EQ-01",
        "Agree share capital to the register and filings",
        "Agree issued capital to the share register, the articles and the filings with the registrar.",
        ("existence", "completeness", "presentation", "rights_and_obligations"),
        ("equity",),
        (ROUTINE,),
        TOD,
    ),
    _p(
        "EQ-02",
        "Vouch movements in equity",
        "Agree issues, buy-backs and dividends to board minutes, resolutions and bank records; check "
        "dividends were lawful.",
        ("occurrence", "accuracy", "presentation"),
        ("equity",),
        (ROUTINE, SIGNIFICANT),
        TOD,
    ),
    _p(
        "EQ-03",
        "Roll forward retained earnings",
        "Agree opening retained earnings to last year's audited statements and reconcile the movement to the "
        "result and dividends.",
        ("accuracy", "completeness", "valuation"),
        ("equity",),
        (ROUTINE,),
        TOD,
    ),
    # --- journal entries ----------------------------------------------------------------------------
    _p(
        "JE-01",
        "Test journal entries for management override",
        "Select entries by risk criteria (the journal-entry tests' flags: manual, round, late, unusual users "
        "or accounts) and agree each to support and approval.",
        ("occurrence", "accuracy", "existence", "completeness", "valuation", "cut_off", "classification"),
        ("journal_entries", "revenue", "expenses", "receivables", "payables"),
        (FRAUD, SIGNIFICANT),
        TOD,
    ),
    _p(
        "JE-02",
        "Examine post-closing and consolidation adjustments",
        "Inspect entries made after the ledger closed and in the consolidation for support and a business reason.",
        ("occurrence", "cut_off", "presentation"),
        ("journal_entries",),
        (FRAUD, SIGNIFICANT),
        TOD,
    ),
    _p(
        "JE-03",
        "Review significant accounting estimates for bias",
        "Compare last year's estimates with their outcomes and look for a pattern that leans one way.",
        ("valuation",),
        ("journal_entries", "receivables", "inventory", "payables"),
        (FRAUD, SIGNIFICANT),
        TOD,
    ),
    _p(
        "JE-04",
        "Test controls over manual journal entries",
        "For a sample of manual entries, check they were reviewed and approved by someone other than the preparer.",
        ("occurrence", "accuracy"),
        ("journal_entries",),
        (CONTROLS,),
        TOC,
    ),
    _p(
        "JE-05",
        "Reconcile the journal population to the trial balance",
        "Check the ledger loaded for testing is complete: its activity rolls the opening balances to the "
        "closing trial balance.",
        ("completeness",),
        ("journal_entries",),
        (ROUTINE, FRAUD),
        TOD,
    ),
)
BY_CODE = {procedure.code: procedure for procedure in STARTER}
