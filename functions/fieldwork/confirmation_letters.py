"""Confirmation letters as PDF, one per request, in our own words for each kind and form.

The letter goes out on the client's name (the client authorizes the party to answer) and asks the
party to reply directly to the auditor, never through the client: a reply that passed through the
client's hands is not independent evidence (AU-C 505.A13). A bank letter follows the lines of the
standard bank form (balances on deposit and loans at the date), an attorney's letter asks about
pending or threatened litigation, claims and assessments (AU-C 501.A60), and a receivable's positive
request shows the amount, or leaves it blank for the customer to fill in. A negative request asks for
a reply only when the party disagrees. A second request says so at its head.

`render(letter)` is pure (plain values in, bytes out); reportlab is imported inside it (cold start).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

CENT = Decimal("0.01")
TITLES = {
    "bank": "Confirmation of account balances and loans",
    "receivable": "Confirmation of account receivable",
    "payable": "Confirmation of account payable",
    "legal": "Inquiry of legal counsel: litigation, claims and assessments",
    "debt": "Confirmation of borrowings",
}


@dataclass(frozen=True)
class Letter:
    kind: str
    form: str
    blank: bool
    second_request: bool
    firm_name: str
    client_name: str
    reply_to: str
    as_of: date
    letter_date: date
    party_name: str
    party_contact: str | None
    party_address: str | None
    client_account_ref: str | None
    amount: Decimal | None


def amount_text(value: Decimal) -> str:
    """1,234.50, and (1,234.50) for a negative amount."""
    rounded = value.quantize(CENT)
    text = f"{abs(rounded):,.2f}"
    return f"({text})" if rounded < 0 else text


def _day(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def body(letter: Letter) -> list[str]:
    """The letter's paragraphs, after the addressee and before the reply section."""
    at = _day(letter.as_of)
    auditor = letter.firm_name or "our auditors"
    purpose = f"Our auditors, {auditor}, are auditing our financial statements as of {at}."
    reply = (
        f"Please reply directly to {auditor}"
        + (f" at {letter.reply_to}" if letter.reply_to else "")
        + ", not to us. This is not a request for payment, and a payment made does not answer it."
    )
    paragraphs = [purpose]
    if letter.kind == "bank":
        paragraphs.append(
            "Please confirm to them the balance of each of our deposit accounts with you at the close of business "
            f"on {at}, and every loan or other amount we owed you on that date, with its rate, due date and any "
            "collateral. Please also tell them of any account or loan not listed below that we held with you."
        )
    elif letter.kind == "receivable" and letter.blank:
        paragraphs.append(
            f"Please state in the space below the amount you owed us at {at}, according to your records, with the "
            "invoices it is made of if you can."
        )
    elif letter.kind == "receivable":
        paragraphs.append(f"Our records show the amount below as owed to us by you at {at}.")
    elif letter.kind == "payable":
        paragraphs.append(
            f"Our records show the amount below as owed by us to you at {at}. Please send them a statement of our "
            "account with you at that date, with the invoices it is made of."
        )
    elif letter.kind == "legal":
        paragraphs.append(
            "Please describe to them every matter on which you have been engaged by us and to which you have given "
            f"substantive attention, as of {at} and to the date of your reply: pending or threatened litigation, "
            "claims and assessments, with for each its nature, its progress, how we are defending it, and your "
            "view of the likely outcome and of the amount or range of a possible loss. Please also state any "
            "fees we owed you at that date."
        )
    else:  # debt
        paragraphs.append(
            f"Please confirm to them the principal we owed you at {at}, the interest rate, the interest accrued "
            "and unpaid, the dates of repayment, any collateral or guarantee, and whether we were in breach of "
            "any covenant at that date."
        )
    if letter.form == "negative":
        paragraphs.append(
            "If the amount below agrees with your records, no reply is needed. If it does not, please tell our "
            "auditors directly what your records show and why they differ."
        )
    elif letter.kind != "legal":
        paragraphs.append(
            "Whether or not the amount agrees with your records, please complete the section below and return it."
        )
    paragraphs.append(reply)
    return paragraphs


def reply_section(letter: Letter) -> list[str]:
    """What the party fills in (a positive request) or uses to disagree (a negative one)."""
    if letter.kind == "legal":
        return ["Signature: ____________________   Name and firm: ____________________   Date: ____________"]
    lines: list[str] = []
    if letter.form == "positive" and not letter.blank:
        lines.append("[ ] The amount above agrees with our records.")
        lines.append("[ ] The amount above does not agree with our records, which show: ____________________")
    elif letter.blank:
        lines.append(f"The amount owed at {_day(letter.as_of)} per our records: ____________________")
    else:
        lines.append("Our records show a different amount: ____________________ (reply only if so)")
    lines.append("Signature: ____________________   Title: ____________________   Date: ____________")
    return lines


def render(letter: Letter) -> bytes:
    """The letter as a one-page PDF."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    base = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=14, spaceAfter=8)
    bold = ParagraphStyle("bold", base, fontName="Helvetica-Bold")
    title = ParagraphStyle("title", base, fontName="Helvetica-Bold", fontSize=12, leading=16, spaceAfter=10)

    def para(text: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style)

    story: list[object] = [para(letter.client_name, title), para(_day(letter.letter_date))]
    if letter.second_request:
        story.append(para("SECOND REQUEST: we have not yet received your reply to our earlier letter.", bold))
    address = [letter.party_name, letter.party_contact, *(letter.party_address or "").splitlines()]
    story.extend(para(line, base) for line in address if line)
    story.append(Spacer(1, 6))
    story.append(para(TITLES[letter.kind] + (" (negative)" if letter.form == "negative" else ""), bold))
    story.extend(para(text) for text in body(letter))
    cells = [["Account", "As of", "Amount per our records"]]
    shown = "" if letter.blank or letter.amount is None else amount_text(letter.amount)
    if letter.kind != "legal" or letter.amount is not None:
        cells.append([letter.client_account_ref or "", _day(letter.as_of), shown or "(please state)"])
        table = Table(cells, colWidths=[2.2 * inch, 1.8 * inch, 2.2 * inch])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9.5),
                    ("FONT", (0, 1), (-1, -1), "Helvetica", 9.5),
                    ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, "black"),
                ]
            )
        )
        story.extend([table, Spacer(1, 10)])
    story.append(para(f"Yours truly, {letter.client_name}"))
    story.append(para("Authorized signature: ____________________"))
    story.append(Spacer(1, 10))
    story.append(para(f"To {letter.firm_name or 'the auditors'}, from {letter.party_name}:", bold))
    story.extend(para(line) for line in reply_section(letter))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        title=TITLES[letter.kind],
        author=letter.client_name,
        leftMargin=inch,
        rightMargin=inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
    )
    doc.build(story)
    return out.getvalue()
