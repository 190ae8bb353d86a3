"""A constructed engagement for evaluating the assistant: the audit of Harbor Lane Manufacturing, Inc. for 2026.

The question set (tests/data/assistant/questions.json) is written over this engagement and the shipped
sources (shared/knowledge), so its supporting chunks exist only if this file builds what it describes.
Everything goes through the real triggers, as a firm's users would: the firm, its client and engagement,
a trial balance loaded by the ingestion job and mapped account by account, a general ledger whose
journal-entry tests flag one manual revenue journal (dispositioned with the controller's explanation),
workpapers with their text, evidence files (PDFs, one page per topic) linked to them, and review notes.

`filler` adds that many distractor workpapers (procedure write-ups of the kind a binder holds by the
hundred: vouching, tick marks, rollforwards), inserted set-wise through the ORM since thousands of
HTTP calls would only time the API: the latency benchmark grows the engagement to 10,000 chunks with them.

The caller chooses the database (DATABASE_URL, as tests/conftest.py and tools/bench_env.py set it).
"""

from __future__ import annotations

import csv
import io
import random
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLIENT = "Harbor Lane Manufacturing, Inc."
FIRM = "Marsh Lane CPAs"
FLAGGED_JOURNAL = "JE-2026-1187"

# (client account, name, closing balance debit positive, standard code). Retained earnings balances it.
ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    ("10100", "Operating cash - First Coastal Bank", "1842310.55", "1010"),
    ("10150", "Restricted cash - debt service reserve", "500000.00", "1040"),
    ("11000", "Trade accounts receivable", "6214880.20", "1100"),
    ("11050", "Allowance for credit losses", "-192660.00", "1110"),
    ("11500", "Due from Pelican Logistics LLC", "220000.00", "1150"),
    ("12000", "Inventory - raw materials", "2904115.40", "1200"),
    ("12100", "Inventory - work in process", "1118470.00", "1210"),
    ("12200", "Inventory - finished goods", "3377902.75", "1220"),
    ("12400", "Inventory obsolescence reserve", "-312000.00", "1240"),
    ("13000", "Prepaid insurance", "184250.00", "1300"),
    ("15100", "Buildings - Savannah plant", "4650000.00", "1510"),
    ("15300", "Machinery and equipment", "9806400.00", "1530"),
    ("15800", "Accumulated depreciation", "-5932118.00", "1580"),
    ("15900", "Right-of-use asset - Pooler warehouse", "2436905.00", "1590"),
    ("16600", "Deferred tax asset", "287340.00", "1660"),
    ("20000", "Accounts payable - trade", "-3105447.30", "2000"),
    ("20100", "Accrued liabilities", "-866213.00", "2010"),
    ("20600", "Income taxes payable", "-214900.00", "2060"),
    ("20700", "Deferred revenue - installation services", "-640000.00", "2070"),
    ("20800", "Revolving line of credit - First Coastal Bank", "-1100000.00", "2080"),
    ("20900", "Current portion of term loan", "-812500.00", "2090"),
    ("21000", "Operating lease liability, current", "-331402.00", "2100"),
    ("21500", "Warranty reserve", "-421600.00", "2150"),
    ("21700", "Lease liability", "-2187644.00", "2550"),
    ("21750", "Interest rate swap liability", "-86000.00", "2170"),
    ("25000", "Term loan payable - First Coastal Bank", "-4468750.00", "2500"),
    ("25400", "Note payable to shareholder - R. Okafor", "-750000.00", "2540"),
    ("25700", "Deferred tax liability", "-498230.00", "2570"),
    ("30000", "Common stock", "-100000.00", "3000"),
    ("30200", "Additional paid-in capital", "-2400000.00", "3020"),
    ("30600", "Dividends declared", "300000.00", "3060"),
    ("40000", "Product sales", "-35612480.00", "4000"),
    ("40100", "Installation services revenue", "-7817330.00", "4010"),
    ("40500", "Sales returns and allowances", "402115.00", "4050"),
    ("50000", "Cost of goods sold", "29884210.60", "5000"),
    ("60000", "Salaries and wages", "5204300.00", "6000"),
    ("60600", "Rent expense", "512400.00", "6060"),
    ("61500", "Professional fees", "318775.00", "6150"),
    ("61700", "Depreciation expense", "1114560.00", "6170"),
    ("61900", "Bad debt expense", "96300.00", "6190"),
    ("62400", "Freight - Pelican Logistics", "1902440.00", "6240"),
    ("80100", "Interest expense", "512880.00", "8010"),
    ("90000", "Current income tax expense", "842100.00", "9000"),
    ("90100", "Deferred income tax expense", "117600.00", "9010"),
)
RETAINED_EARNINGS = ("30300", "Retained earnings", "3030")

# (binder section, title, text): one topic per workpaper, each short enough to be one passage.
WORKPAPERS: tuple[tuple[str, str, str], ...] = (
    (
        "A",
        "Materiality memo",
        "Overall materiality for the 2026 audit is $430,000, about 1.0% of total revenue of $43.4 million, "
        "chosen because revenue is the measure the owners and the bank watch. Performance materiality is set at "
        "75% ($322,500) given few prior-year misstatements, and the clearly trivial threshold at $21,500.",
    ),
    (
        "B",
        "Fraud risk brainstorming",
        "The team met on October 6, 2026. We presume a fraud risk in revenue recognition around year end, "
        "because bonuses depend on annual sales, and a risk of management override of controls. The controller "
        "can post manual journals without a second approver; journal-entry testing targets manual entries, "
        "weekend postings and entries to revenue made after December 20.",
    ),
    (
        "J",
        "Revenue cutoff testing",
        "We selected the 40 shipments recorded in the five business days before and after December 31 and "
        "agreed each to bills of lading. Two shipments recorded as December sales left the dock on January 3, "
        "2027: invoice 88412 for $46,200 and invoice 88419 for $12,950. We proposed an adjustment of $59,150 "
        "to move them to 2027; management recorded it.",
    ),
    (
        "J",
        "Revenue disaggregation analysis",
        "Product sales were $35.6 million (82% of gross revenue) and installation services $7.8 million (18%). "
        "By region, the Southeast produced 64% of sales, the Gulf Coast 27% and export customers 9%. Product "
        "revenue is recognized when the goods ship; installation revenue over the installation period, "
        "usually under six weeks.",
    ),
    (
        "J",
        "Deferred revenue rollforward",
        "Installation services billed in advance and not yet performed totalled $640,000 at December 31, "
        "2026 against $512,000 a year earlier. We agreed the 2025 balance to revenue recognized in January and "
        "February 2026, and vouched the ten largest 2026 advance billings to signed installation orders.",
    ),
    (
        "E",
        "Customer concentration analysis",
        "Atlas Marine Supply bought 38% of 2026 net sales and owed 41% of trade receivables at year end. "
        "No other customer exceeds 7%. Losing Atlas would severely affect operations within a year, so a "
        "concentration disclosure is needed; the supply contract renews annually each April.",
    ),
    (
        "E",
        "Accounts receivable confirmations",
        "We sent 25 positive confirmations covering 72% of trade receivables, mailed and received directly by "
        "the engagement team. Twenty-one customers replied. For the four that did not, we examined cash received "
        "in January 2027 and shipping documents. Bayside Boatworks reported a difference of $8,400, a disputed "
        "credit memo issued in January; we treated it as a timing difference.",
    ),
    (
        "E",
        "Allowance for credit losses",
        "The allowance of $192,660 is 3.1% of trade receivables, built from the aging: 1% of current balances, "
        "10% of 61 to 120 days and 50% of items over 120 days past due. Our look-back found 2025's allowance "
        "covered actual write-offs of $141,000. Collections through February 2027 support the estimate.",
    ),
    (
        "F",
        "Inventory observation",
        "We attended the physical count at the Savannah plant on December 31, 2026. Count procedures, tag "
        "control and cutoff were adequate. Of 60 test counts, two differed (a pallet of hull fittings and a "
        "bin of stainless fasteners) by $3,870 in total, which the client corrected before final pricing.",
    ),
    (
        "F",
        "Inventory obsolescence reserve",
        "Parts with no movement for 18 months or more are reserved at 100% and parts idle 12 to 18 months at "
        "50%, giving a reserve of $312,000 (2025: $358,000). Slow-moving stock grew, but a bulk sale of legacy "
        "trailer parts in November removed $96,000 of fully reserved items, which explains the decline.",
    ),
    (
        "E",
        "Property and equipment rollforward",
        "Additions in 2026 were $1.52 million, mostly a five-axis CNC machining center bought for $1,240,000 "
        "in August and placed in service in September. We vouched additions over $25,000 to invoices and board "
        "approval. Depreciation expense of $1,114,560 recomputed within $4,000 using straight-line lives.",
    ),
    (
        "H",
        "Lease schedule and ASC 842 calculations",
        "The Pooler, Georgia warehouse lease began March 1, 2026 for 84 months at $38,500 per month rising 3% "
        "a year, with one five-year renewal option not reasonably certain of exercise. Discounted at an "
        "incremental borrowing rate of 6.25%, the lease liability is $2,519,046 at year end ($331,402 current). "
        "Forklift rentals under twelve months use the short-term lease exemption.",
    ),
    (
        "H",
        "Term loan and covenant compliance",
        "The First Coastal Bank term loan had $5,281,250 outstanding at December 31, 2026, repayable "
        "quarterly through 2031 at 5.85%. The loan requires a fixed charge coverage ratio of at least 1.25 "
        "to 1. We computed 1.18 for 2026, a breach. The bank waived it on February 12, 2027 through "
        "March 31, 2028, so the long-term portion stays noncurrent.",
    ),
    (
        "H",
        "Revolving line of credit",
        "The company has a $3,000,000 revolving line with First Coastal Bank at one-month SOFR plus 2.25%, "
        "maturing June 30, 2028, secured by receivables and inventory. $1,100,000 was drawn at year end and "
        "$1,900,000 was unused. We confirmed the balance, rate and collateral directly with the bank.",
    ),
    (
        "H",
        "Debt maturities schedule",
        "Principal due on the term loan: 2027 $812,500; 2028 $812,500; 2029 $812,500; 2030 $812,500; "
        "2031 $2,031,250. The $750,000 shareholder note is due in full in 2029. The revolver balance is "
        "due at the line's maturity in 2028.",
    ),
    (
        "K",
        "Income tax provision",
        "Pretax income was $3.48 million. Current tax expense is $842,100 (federal and Georgia) and deferred "
        "expense $117,600, a total of $959,700 and an effective rate of 27.6% against the 21% federal rate. "
        "State taxes net of the federal benefit and nondeductible meals and penalties explain the difference, "
        "offset partly by the research credit.",
    ),
    (
        "K",
        "Deferred taxes and valuation allowance",
        "Deferred tax assets of $287,340 come from the inventory reserve, the warranty reserve and the "
        "allowance for credit losses; deferred tax liabilities of $498,230 from accelerated tax depreciation. "
        "Three years of cumulative taxable income and scheduled reversals make realization more likely than "
        "not, so no valuation allowance is recorded.",
    ),
    (
        "K",
        "Uncertain tax positions",
        "The 2025 return claimed a research credit of $148,000 on the hull-coating project. Documentation of "
        "qualified activities is thin, so management recognized only 65% and recorded an unrecognized tax "
        "benefit of $51,800. Tax years 2023 onward remain open to examination.",
    ),
    (
        "L",
        "Related party transactions",
        "Pelican Logistics LLC is owned by the spouse of the chief executive, Dana Whitfield. It carried 70% of "
        "outbound freight for $1,902,440 in 2026, and owes the company $220,000 advanced for trailers in "
        "November. Raymond Okafor, a 30% shareholder, holds a $750,000 note at 4% due 2029. Management has "
        "no support for calling the freight terms arm's length.",
    ),
    (
        "L",
        "Subsequent events review",
        "Procedures ran to the report date, March 18, 2027: minutes, January and February results, legal "
        "letters and inquiries of management. On February 21, 2027 a fire damaged the Brunswick storage "
        "building; inventory of about $410,000 was lost, insured less a $50,000 deductible. In March the "
        "company signed a letter of intent to acquire Coastal Fabrication LLC for $2.8 million.",
    ),
    (
        "L",
        "Going concern assessment",
        "We considered the year after the report date. The current ratio is 1.4, operations generated cash of "
        "$2.9 million, the revolver has $1.9 million unused and the covenant breach was waived to March 2028. "
        "Management's forecast shows compliance from the second quarter of 2027. We concluded no substantial "
        "doubt exists about the company's ability to continue as a going concern.",
    ),
    (
        "G",
        "Warranty reserve estimate",
        "Products carry a two-year warranty. Claims averaged 1.2% of product sales over three years; the "
        "reserve of $421,600 covers claims expected on 2025 and 2026 sales. Claims paid in January and "
        "February 2027 were in line with the estimate, and no recall or design defect is known.",
    ),
    (
        "H",
        "Interest rate swap fair value",
        "To fix the term loan's rate, the company pays 3.9% fixed and receives SOFR on a $4,000,000 notional "
        "swap maturing 2031. The bank's valuation at year end is a liability of $86,000, a Level 2 "
        "measurement built from the SOFR forward curve. Hedge accounting was not elected; the change in value "
        "is in interest expense.",
    ),
    (
        "L",
        "Legal letters and contingencies",
        "Outside counsel Marsh & Patel LLP responded on March 10, 2027. A boat builder sued in 2026 claiming "
        "$450,000 for corrosion in fittings; counsel considers an unfavorable outcome reasonably possible but "
        "not probable, and no amount can be estimated, so nothing is accrued and the matter is disclosed.",
    ),
    (
        "D",
        "Cash and bank reconciliations",
        "We agreed the December 31 bank balances to confirmations from First Coastal Bank and tested the "
        "reconciliation's outstanding checks to January clearings. The $500,000 debt service reserve is held "
        "in a separate account the loan agreement restricts, so it is shown as restricted cash.",
    ),
    (
        "I",
        "Equity rollforward",
        "The board declared a $300,000 dividend in December 2026, paid in January. The loan agreement limits "
        "dividends to 50% of the prior year's net income; the dividend was within that limit. No shares were "
        "issued or repurchased during the year.",
    ),
    (
        "G",
        "Search for unrecorded liabilities",
        "We examined disbursements over $15,000 made from January 1 to March 5, 2027 and unpaid invoices on "
        "hand. One invoice for $27,300 of December resin deliveries from Gulf Stream Polymers was unrecorded; "
        "being above the clearly trivial threshold, it is carried to the summary of unadjusted differences.",
    ),
    (
        "B",
        "Journal entry testing summary",
        "All 2026 journals were tested. The highest-risk item, journal JE-2026-1187, was a $250,000 manual "
        "entry debiting receivables and crediting product sales, entered by the controller on Sunday, "
        "December 27 at 10:40 pm and approved by himself. It was reversed on January 4, 2027; see the cutoff "
        "workpaper.",
    ),
)

# (filename, pages, linked workpaper): one page per topic, each page one passage of the PDF.
EVIDENCE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "First Coastal Bank loan agreement.pdf",
        (
            "Term Loan Agreement between First Coastal Bank, N.A. and Harbor Lane Manufacturing, Inc., dated "
            "April 2, 2025. Principal amount $6,500,000. Interest at 5.85% per annum. Principal payable in equal "
            "quarterly installments of $203,125 beginning July 1, 2025, with the balance due April 1, 2031.",
            "Section 7.1 Financial covenants. The Borrower shall maintain a Fixed Charge Coverage Ratio of not "
            "less than 1.25 to 1.00, tested annually at each fiscal year end. Section 7.4 Restricted payments. "
            "Dividends in any year shall not exceed fifty percent of net income of the preceding fiscal year.",
            "Section 8 Collateral. The loan is secured by a first mortgage on the Savannah plant and a security "
            "interest in machinery and equipment. Section 8.3 The Borrower shall keep $500,000 on deposit in a "
            "debt service reserve account with the Lender, not available for other purposes.",
        ),
        "Term loan and covenant compliance",
    ),
    (
        "Covenant waiver letter.pdf",
        (
            "February 12, 2027. First Coastal Bank waives the Borrower's failure to meet the Fixed Charge "
            "Coverage Ratio for the fiscal year ended December 31, 2026, and agrees not to accelerate the loan "
            "on that account through March 31, 2028. All other terms of the agreement remain in force.",
        ),
        "Term loan and covenant compliance",
    ),
    (
        "Pooler warehouse lease.pdf",
        (
            "Lease agreement for 120,000 square feet at 400 Logistics Parkway, Pooler, Georgia, between "
            "Chatham Industrial Properties LP, landlord, and Harbor Lane Manufacturing, Inc., tenant. Term of "
            "84 months commencing March 1, 2026. Base rent $38,500 per month, increasing 3% each March.",
            "Renewal option: the tenant may extend the lease once for five years at market rent on twelve months' "
            "notice. The tenant pays its share of taxes, insurance and common area maintenance as variable rent. "
            "No purchase option. Security deposit of $77,000.",
        ),
        "Lease schedule and ASC 842 calculations",
    ),
    (
        "Atlas Marine confirmation reply.pdf",
        (
            "Atlas Marine Supply confirms that the balance owed to Harbor Lane Manufacturing at December 31, "
            "2026 was $2,548,101.30, agreeing with your records. Signed by the accounts payable manager and "
            "returned directly to the auditors on January 19, 2027.",
        ),
        "Accounts receivable confirmations",
    ),
    (
        "Board minutes December 2026.pdf",
        (
            "Minutes of the board of directors, December 9, 2026. The board declared a cash dividend of "
            "$300,000 payable January 15, 2027, ratified the purchase of the CNC machining center, and "
            "approved a 4% salary increase for staff effective January 1.",
            "The chief executive reported preliminary talks to acquire Coastal Fabrication LLC, a welding shop "
            "in Brunswick. The board authorized management to negotiate a letter of intent, subject to due "
            "diligence and bank consent.",
        ),
        "Equity rollforward",
    ),
    (
        "Board minutes February 2027.pdf",
        (
            "Minutes of the board of directors, February 24, 2027. Management reported the fire of February 21 "
            "at the Brunswick storage building. No one was injured. Inventory lost is estimated at $410,000; "
            "the claim has been filed with the insurer and the deductible is $50,000.",
        ),
        "Subsequent events review",
    ),
    (
        "Marsh Patel legal letter.pdf",
        (
            "Marsh & Patel LLP, response to audit inquiry, March 10, 2027. Seaview Yachts v. Harbor Lane "
            "Manufacturing, filed June 2026, alleges defective stainless fittings and seeks $450,000. We believe "
            "an unfavorable outcome is reasonably possible; we cannot estimate the amount or range of loss.",
        ),
        "Legal letters and contingencies",
    ),
    (
        "Swap valuation statement.pdf",
        (
            "First Coastal Bank derivative valuation as of December 31, 2026. Trade: pay fixed 3.90%, receive "
            "one-month SOFR, notional $4,000,000, maturity April 1, 2031. Mid-market value to the client: "
            "negative $86,000. Valuation uses the SOFR forward curve and the bank's credit adjustments.",
        ),
        "Interest rate swap fair value",
    ),
    (
        "Pelican Logistics freight agreement.pdf",
        (
            "Freight services agreement between Harbor Lane Manufacturing, Inc. and Pelican Logistics LLC, "
            "effective January 1, 2025. Pelican will carry outbound shipments at the rates in Schedule A. "
            "Either party may end the agreement on 90 days' notice. Signed by Dana Whitfield for Harbor Lane.",
        ),
        "Related party transactions",
    ),
)

# (workpaper title, body): review notes raised by the manager, one per workpaper.
REVIEW_NOTES: tuple[tuple[str, str], ...] = (
    (
        "Term loan and covenant compliance",
        "Does the waiver only cover the December test? Confirm it runs past December 31, 2027, or the whole "
        "term loan must be shown as current.",
    ),
    (
        "Lease schedule and ASC 842 calculations",
        "The 6.25% borrowing rate needs support: get a quote or term sheet from First Coastal Bank for a "
        "similar secured seven-year loan.",
    ),
    (
        "Related party transactions",
        "Freight rates from Pelican look higher than the quotes from other carriers. Do not let the note say "
        "arm's length unless we can support it.",
    ),
    (
        "Inventory obsolescence reserve",
        "Slow-moving stock went up but the reserve went down. Document the bulk sale and check that no "
        "reserve was released on items still on hand.",
    ),
    (
        "Income tax provision",
        "Tie the Georgia apportionment factor to the state return workpapers and show the rate "
        "reconciliation in dollars.",
    ),
    (
        "Subsequent events review",
        "The fire loss is not in the draft notes. Add a nonrecognized subsequent event disclosure with the "
        "estimated loss and insurance recovery.",
    ),
    (
        "Revenue cutoff testing",
        "Were other customers' December shipments tested beyond Atlas? Extend cutoff to the ten largest customers.",
    ),
    (
        "Interest rate swap fair value",
        "Get the bank's valuation inputs so we can support the Level 2 classification, not only the statement.",
    ),
)

USERS = ("akim", "jlopez", "tnguyen")
# Distinct distractor texts (a multiple of the eight areas below): what indexing the filler has to embed.
FILLER_TEXTS = 400


@dataclass(frozen=True)
class AssistantFixture:
    """The built engagement: who can see it, and where."""

    firm_id: uuid.UUID
    client_id: uuid.UUID
    engagement_id: uuid.UUID
    admin_id: uuid.UUID
    admin_email: str
    admin_token: str


def balanced_accounts() -> list[tuple[str, str, Decimal, str]]:
    """ACCOUNTS with retained earnings closing the trial balance to zero."""
    rows = [(number, name, Decimal(amount), code) for number, name, amount, code in ACCOUNTS]
    plug = -sum((amount for _, _, amount, _ in rows), Decimal("0"))
    number, name, code = RETAINED_EARNINGS
    return [*rows, (number, name, plug, code)]


def _trial_balance_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Account Number", "Account Name", "Closing Balance"])
    for number, name, amount, _ in balanced_accounts():
        writer.writerow([number, name, f"{amount:.2f}"])
    return out.getvalue().encode()


def general_ledger_rows(journals: int = 120) -> list[dict[str, Any]]:
    """Routine weekday journals by the three bookkeepers, and the controller's one manual revenue entry."""
    # Reproducible test data, not security.
    rng = random.Random(2026)  # noqa: S311  # nosec B311
    pairs = (("11000", "40000"), ("50000", "12200"), ("20000", "10100"), ("60000", "10100"), ("10100", "11000"))
    rows: list[dict[str, Any]] = []
    for n in range(journals):
        debit, credit = pairs[n % len(pairs)]
        posted = date(2026, 1 + n % 12, 1 + n % 27)
        while posted.weekday() >= 5:  # bookkeepers post on weekdays
            posted += timedelta(days=1)
        amount = f"{rng.randint(1_000, 90_000)}.{rng.randint(1, 99):02d}"
        common = {
            "Effective Date": posted.isoformat(),
            "Entered Date": posted.isoformat(),
            "Entered Time": "10:15:00",
            "Entered By": USERS[n % len(USERS)],
            "Approved By": USERS[(n + 1) % len(USERS)],
            "Description": "Routine posting",
        }
        journal = f"JE-2026-{1000 + n}"
        rows.append({"Journal ID": journal, "Line": 1, "Account": debit, "Amount": amount, **common})
        rows.append({"Journal ID": journal, "Line": 2, "Account": credit, "Amount": "-" + amount, **common})
    flagged = {
        "Effective Date": "2026-12-27",
        "Entered Date": "2026-12-27",
        "Entered Time": "22:40:00",
        "Entered By": "mhale.controller",
        "Approved By": "mhale.controller",
        "Description": "Manual revenue true-up per CFO",
    }
    rows.append({"Journal ID": FLAGGED_JOURNAL, "Line": 1, "Account": "11000", "Amount": "250000.00", **flagged})
    rows.append({"Journal ID": FLAGGED_JOURNAL, "Line": 2, "Account": "40000", "Amount": "-250000.00", **flagged})
    return rows


def _pdf(pages: Iterable[str]) -> bytes:
    """A PDF with one page per text, wrapped to the page width (reportlab, imported only here)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, pagesize=letter, invariant=True)
    for text in pages:
        y = 720.0
        line = ""
        for word in text.split():
            if len(line) + len(word) + 1 > 90:
                document.drawString(54, y, line)
                y -= 16
                line = word
            else:
                line = f"{line} {word}".strip()
        document.drawString(54, y, line)
        document.showPage()
    document.save()
    return buffer.getvalue()


def _ok(reply: Any, status: int) -> Any:
    if reply.status != status:
        raise RuntimeError(f"expected {status}, got {reply.status}: {reply.body[:300]!r}")
    return reply.json() if reply.body else None


def build(*, filler: int = 0) -> AssistantFixture:
    """The Harbor Lane engagement, built through the triggers, with `filler` distractor workpapers added."""
    from tests.analytics_support import gl_csv
    from tests.engagement_support import Person, Workspace, new_client, new_engagement
    from tests.ingestion_support import deliver, loaded
    from tests.support import create_firm, token_for

    firm = create_firm(FIRM)
    admin = Person(str(firm.user_id), token_for(firm.email), "firm_admin")
    client_id = new_client(admin.token, CLIENT, fiscal_year_end="12-31")
    engagement = new_engagement(admin.token, client_id, name="Harbor Lane 2026 audit", framework="us_gaap")
    ws = Workspace(firm.firm_id, admin, client_id, engagement["id"])
    ws.move_to("fieldwork")

    loaded(ws, admin, "trial_balance", _trial_balance_csv(), filename="harbor-lane-tb-2026.csv")
    deliver(_ok(ws.call("POST", "mapping/suggest", admin), 202)["job_id"])
    for number, _, _, code in balanced_accounts():
        _ok(ws.call("PUT", f"mapping/accounts/{number}", admin, json_body={"standard_code": code}), 200)

    loaded(ws, admin, "general_ledger", gl_csv(general_ledger_rows()), filename="harbor-lane-gl-2026.csv")
    accepted = _ok(ws.call("POST", "je-tests", admin, json_body={}), 202)
    deliver(accepted["job_id"])
    run_id = accepted["run_id"]
    disposition = {
        "status": "explained",
        "note": "The controller booked a bill-and-hold sale to Atlas Marine Supply before the goods shipped; the "
        "CFO agreed it was premature and the entry was reversed on January 4, 2027.",
    }
    _ok(ws.call("PUT", f"je-tests/{run_id}/journals/{FLAGGED_JOURNAL}/disposition", admin, json_body=disposition), 200)

    sections = {node["index_code"]: node["id"] for node in _ok(ws.call("GET", "binder", admin), 200)["nodes"]}
    papers: dict[str, str] = {}
    for position, (section, title, text) in enumerate(WORKPAPERS):
        body = {
            "parent_id": sections[section],
            "kind": "workpaper",
            "index_code": f"{section}-{100 + position}",
            "title": title,
            "content": {"text": text},
        }
        papers[title] = _ok(ws.call("POST", "binder/nodes", admin, json_body=body), 201)["id"]
    for filename, pages, paper in EVIDENCE:
        headers = {"Content-Type": "application/pdf", "X-Filename": filename}
        evidence = _ok(ws.call("POST", "evidence", admin, body=_pdf(pages), headers=headers), 201)
        link = {"evidence_id": evidence["id"]}
        _ok(ws.call("POST", f"binder/nodes/{papers[paper]}/evidence", admin, json_body=link), 201)
    for paper, text in REVIEW_NOTES:
        _ok(ws.call("POST", "review-notes", admin, json_body={"node_id": papers[paper], "body": text}), 201)

    fixture = AssistantFixture(
        firm.firm_id, uuid.UUID(client_id), uuid.UUID(ws.engagement_id), firm.user_id, firm.email, admin.token
    )
    if filler:
        add_filler(fixture, filler, sections={code: uuid.UUID(node) for code, node in sections.items()})
    return fixture


_AREAS = (
    ("D", "bank transfer", "cash disbursements journal"),
    ("E", "customer invoice", "sales journal"),
    ("F", "inventory item", "perpetual inventory listing"),
    ("G", "vendor invoice", "purchases journal"),
    ("K", "expense voucher", "expense ledger"),
    ("J", "sales order", "order register"),
    ("H", "loan payment", "debt schedule"),
    ("I", "equity entry", "stock ledger"),
)
_VENDORS = (
    "Gulf Stream Fasteners", "Tidewater Steel", "Savannah Paper Co", "Oglethorpe Electric", "Delta Hydraulics",
    "Marshview Plastics", "Coastal Welding Gas", "Brightline Office Supply", "Sapelo Chemicals", "Altamaha Freight",
)  # fmt: skip
_CHECKS = (
    "agreed to the approved purchase order and the receiving report",
    "traced to the general ledger and the supporting invoice",
    "recomputed the extension and footing without exception",
    "agreed the amount to the bank statement clearing in the following month",
    "checked the approval signature against the authority matrix",
    "vouched to the signed delivery ticket and the remittance advice",
)


def filler_text(n: int) -> tuple[str, str]:
    """(section, text) of the n-th distractor: a routine procedure write-up with no finding."""
    rng = random.Random(n)  # noqa: S311  # nosec B311
    section, item, ledger = _AREAS[n % len(_AREAS)]
    vendor = rng.choice(_VENDORS)
    amount = f"${rng.randint(500, 95_000):,}.{rng.randint(0, 99):02d}"
    reference = rng.randint(10_000, 99_999)
    text = (
        f"Selected {item} {reference} from the {ledger} for {vendor}, {amount}, dated "
        f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}. We {rng.choice(_CHECKS)} and {rng.choice(_CHECKS)}. "
        f"Tick marks: A agreed, F footed, V vouched. No exceptions were noted and no follow-up is needed."
    )
    return section, text


def add_filler(
    fixture: AssistantFixture, count: int, *, sections: dict[str, uuid.UUID], distinct: int = FILLER_TEXTS
) -> None:
    """Insert `count` distractor workpapers under the standard sections, set-wise. Their titles are all
    different; their texts cycle through `distinct` write-ups (a multiple of the areas), so indexing embeds
    `distinct` passages, not `count`: ranking costs the same whatever the texts, embedding does not."""
    from sqlalchemy import insert

    from shared.db.models_engagement import BinderNode
    from shared.db.uow import UnitOfWork

    texts = [filler_text(n) for n in range(distinct)]
    rows = []
    for n in range(count):
        section, text = texts[n % distinct]
        ledger = _AREAS[n % len(_AREAS)][2]
        rows.append(
            {
                "id": uuid.uuid4(),
                "firm_id": fixture.firm_id,
                "engagement_id": fixture.engagement_id,
                "parent_id": sections[section],
                "kind": "workpaper",
                "index_code": f"{section}-F{n:05d}",
                "title": f"{ledger.capitalize()} test {n + 1:05d}",
                "position": 1000 + n,
                "content": {"text": text},
                "created_by": fixture.admin_id,
                "updated_by": fixture.admin_id,
            }
        )
    with UnitOfWork(firm_id=fixture.firm_id, user_id=fixture.admin_id) as uow:
        for start in range(0, len(rows), 2000):
            uow.session.execute(insert(BinderNode), rows[start : start + 2000])
        uow.commit()
