"""The words of the auditor's report, as pure functions of a ReportDocument.

Two shapes, written by us from the elements the standards require (nothing is copied from their
illustrative reports):

- aicpa (non-issuers, AU-C 700/705/706): the opinion first, "Basis for Opinion", an emphasis of matter
  when given (and a "Basis of Accounting" paragraph for a special purpose framework, AU-C 800),
  "Responsibilities of Management for the Financial Statements", "Auditor's Responsibilities for the
  Audit of the Financial Statements", then the signature block.
- pcaob (issuers, AS 3101/3105): addressed to the shareholders and the board, "Opinion on the
  Financial Statements", "Basis for Opinion" (management's and our responsibilities, PCAOB
  registration and independence), an emphasis paragraph when given, "Critical Audit Matters", the
  signature block and the tenure statement.

A modified opinion states its basis in the basis section (before the standard sentences); a
disclaimer never gives an opinion on the statements: it says we do not express one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from functions.reporting.document import ReportDocument, validate

Kind = Literal["title", "addressee", "heading", "paragraph", "bullet", "signature"]

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
FRAMEWORK_NAMES = {
    "us_gaap": "accounting principles generally accepted in the United States of America",
    "ifrs": "IFRS Accounting Standards as issued by the International Accounting Standards Board",
    "tax_basis": "the income tax basis of accounting",
    "cash_basis": "the cash basis of accounting",
}
SPECIAL_PURPOSE = ("tax_basis", "cash_basis")
AICPA_HEADINGS = {
    "unmodified": ("Opinion", "Basis for Opinion"),
    "qualified": ("Qualified Opinion", "Basis for Qualified Opinion"),
    "adverse": ("Adverse Opinion", "Basis for Adverse Opinion"),
    "disclaimer": ("Disclaimer of Opinion", "Basis for Disclaimer of Opinion"),
}
PCAOB_HEADINGS = {
    "unmodified": ("Opinion on the Financial Statements", "Basis for Opinion"),
    "qualified": ("Qualified Opinion on the Financial Statements", "Basis for Qualified Opinion"),
    "adverse": ("Adverse Opinion on the Financial Statements", "Basis for Adverse Opinion"),
    "disclaimer": ("Disclaimer of Opinion on the Financial Statements", "Basis for Disclaimer of Opinion"),
}
EMPHASIS = "Emphasis of Matter"
BASIS_OF_ACCOUNTING = "Basis of Accounting"
MANAGEMENT = "Responsibilities of Management for the Financial Statements"
AUDITOR = "Auditor's Responsibilities for the Audit of the Financial Statements"
CRITICAL_AUDIT_MATTERS = "Critical Audit Matters"
TENURE_PLACEHOLDER = "We have served as the Company's auditor since [year]."


@dataclass(frozen=True)
class Block:
    kind: Kind
    text: str


def long_date(day: date) -> str:
    """December 31, 2025 (fixed English month names, whatever the locale)."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def title(document: ReportDocument) -> str:
    if document.standards == "pcaob":
        return "Report of Independent Registered Public Accounting Firm"
    return "Independent Auditor's Report"


def headings(document: ReportDocument) -> list[str]:
    """The section headings in the order they appear."""
    return [block.text for block in blocks(document) if block.kind == "heading"]


def opinion_paragraph(document: ReportDocument) -> str:
    """The paragraph of the opinion section that gives the opinion (or the disclaimer)."""
    sentence = opinion_sentence(document)
    return next(block.text for block in blocks(document) if sentence in block.text)


def opinion_sentence(document: ReportDocument) -> str:
    """The sentence that gives the opinion (or, for a disclaimer, says that we give none)."""
    validate(document)
    basis_heading = (PCAOB_HEADINGS if document.standards == "pcaob" else AICPA_HEADINGS)[document.opinion][1]
    if document.standards == "pcaob":
        statements, subject = "the financial statements", "the Company"
    else:
        statements, subject = "the accompanying financial statements", document.client_name
    if document.opinion == "disclaimer":
        if document.standards == "pcaob":
            return "We do not express an opinion on the financial statements."
        return _sentence(
            f"We do not express an opinion on the accompanying financial statements of {document.client_name}"
        )
    if document.opinion == "unmodified":
        lead = "In our opinion, "
    elif document.opinion == "qualified":
        lead = f"In our opinion, except for the effects of the matter described in the {basis_heading} section, "
    else:
        lead = f"In our opinion, because of the significance of the matter described in the {basis_heading} section, "
    fair = _present_fairly(document, subject=subject, negated=document.opinion == "adverse")
    return f"{lead}{statements} {fair}."


def _sentence(text: str) -> str:
    """The text ending with one full stop (a name may end with one already: "Inc.")."""
    return text if text.endswith(".") else text + "."


def plain_text(document: ReportDocument) -> str:
    return "\n\n".join(f"- {block.text}" if block.kind == "bullet" else block.text for block in blocks(document))


def blocks(document: ReportDocument) -> tuple[Block, ...]:
    """The report, block by block: raises ValueError (naming the field) for a document that is wrong."""
    validate(document)
    if document.standards == "pcaob":
        return tuple(_pcaob(document))
    return tuple(_aicpa(document))


# --- shared phrases ------------------------------------------------------------------------------------


def _statements(document: ReportDocument, *, company: str) -> str:
    """Which statements, of whom, for which period."""
    end = long_date(document.period_end)
    if document.framework in SPECIAL_PURPOSE:
        basis = "cash basis" if document.framework == "cash_basis" else "income tax basis"
        return (
            f"the statement of assets, liabilities, and equity ({basis}) of {company} as of {end}, "
            f"the related statement of revenue and expenses ({basis}) for the year then ended, and the related notes"
        )
    return (
        f"the balance sheet of {company} as of {end}, "
        "the related statement of income for the year then ended, and the related notes"
    )


def _present_fairly(document: ReportDocument, *, subject: str, negated: bool = False) -> str:
    framework = FRAMEWORK_NAMES[document.framework]
    verb = "do not present fairly" if negated else "present fairly"
    end = long_date(document.period_end)
    if document.framework in SPECIAL_PURPOSE:
        what = (
            f"the assets, liabilities, and equity of {subject} as of {end}, "
            "and its revenue and expenses for the year then ended"
        )
    else:
        what = (
            f"the financial position of {subject} as of {end}, "
            "and the results of its operations for the year then ended"
        )
    return f"{verb}, in all material respects, {what}, in accordance with {framework}"


def _paragraphs(text: str | None) -> list[str]:
    """The auditor's own text, one paragraph per blank-line-separated part, white space tidied."""
    parts = re.split(r"\n\s*\n", (text or "").strip())
    return [" ".join(part.split()) for part in parts if part.strip()]


def _signature(document: ReportDocument, *, tenure: bool) -> list[Block]:
    result = [Block("signature", document.firm_name)]
    result.append(Block("signature", f"{document.signer_name}, {document.signer_title}"))
    if document.firm_city:
        result.append(Block("signature", document.firm_city))
    result.append(Block("signature", long_date(document.report_date)))
    if tenure:
        result.append(Block("paragraph", TENURE_PLACEHOLDER))
    return result


# --- AU-C 700/705/706 (non-issuers) --------------------------------------------------------------------


def _aicpa(document: ReportDocument) -> list[Block]:
    client = document.client_name
    opinion_heading, basis_heading = AICPA_HEADINGS[document.opinion]
    statements = _statements(document, company=client)
    out = [Block("title", title(document)), Block("addressee", f"To the Board of Directors of {client}")]
    out.append(Block("heading", opinion_heading))
    if document.opinion == "disclaimer":
        out.append(
            Block("paragraph", f"We were engaged to audit {statements}. Together they are the financial statements.")
        )
        out.append(
            Block(
                "paragraph",
                opinion_sentence(document) + f" The matter described in the {basis_heading} section is significant. "
                "Because of it, we could not obtain sufficient appropriate audit evidence "
                "on which to base an audit opinion.",
            )
        )
    else:
        out.append(Block("paragraph", f"We have audited {statements}. Together they are the financial statements."))
        out.append(Block("paragraph", opinion_sentence(document)))
    out.append(Block("heading", basis_heading))
    if document.modified:
        out.extend(Block("paragraph", text) for text in _paragraphs(document.basis_for_modification))
    if document.opinion != "disclaimer":
        kind = {"unmodified": "", "qualified": "qualified ", "adverse": "adverse "}[document.opinion]
        out.append(
            Block(
                "paragraph",
                "We conducted our audit in accordance with auditing standards generally accepted in the United States "
                "of America (GAAS). Our responsibilities under those standards are described in the "
                f"{AUDITOR} section of our report. "
                f"We are required to be independent of {client} and to meet our other ethical responsibilities "
                "under the relevant ethical requirements of our audit. "
                "We believe the audit evidence we obtained is sufficient and appropriate "
                f"to support our {kind}audit opinion.",
            )
        )
    if document.framework in SPECIAL_PURPOSE:
        out.append(Block("heading", BASIS_OF_ACCOUNTING))
        out.append(
            Block(
                "paragraph",
                f"The financial statements are prepared on {FRAMEWORK_NAMES[document.framework]}. "
                "That basis differs from accounting principles generally accepted in the United States of America. "
                "The notes to the financial statements describe it. "
                "Our opinion is not modified with respect to this matter."
                if document.opinion != "disclaimer"
                else f"The financial statements are prepared on {FRAMEWORK_NAMES[document.framework]}. "
                "That basis differs from accounting principles generally accepted in the United States of America. "
                "The notes to the financial statements describe it.",
            )
        )
    if _paragraphs(document.emphasis_of_matter) and document.opinion != "disclaimer":
        out.append(Block("heading", EMPHASIS))
        out.extend(Block("paragraph", text) for text in _paragraphs(document.emphasis_of_matter))
        out.append(Block("paragraph", "Our opinion is not modified with respect to this matter."))
    out.append(Block("heading", MANAGEMENT))
    out.append(
        Block(
            "paragraph",
            "Management is responsible for preparing the financial statements and for presenting them fairly "
            f"in accordance with {FRAMEWORK_NAMES[document.framework]}. "
            "Management is also responsible for the internal control it needs to prepare financial statements "
            "that are free from material misstatement, whether due to fraud or error. "
            "That includes designing, implementing, and maintaining that control.",
        )
    )
    out.append(
        Block(
            "paragraph",
            "In preparing the financial statements, management must evaluate whether conditions or events raise "
            f"substantial doubt about the ability of {client} to continue as a going concern. "
            "The evaluation covers a reasonable period after the financial statements are available to be issued.",
        )
    )
    out.append(Block("heading", AUDITOR))
    if document.opinion == "disclaimer":
        out.append(
            Block(
                "paragraph",
                "Our responsibility is to audit the financial statements in accordance with GAAS and to issue an "
                "auditor's report. "
                f"Because of the matter described in the {basis_heading} section, we could not obtain sufficient "
                "appropriate audit evidence on which to base an audit opinion. "
                f"We are required to be independent of {client} and to meet our other ethical responsibilities "
                "under the relevant ethical requirements of our audit.",
            )
        )
    else:
        out.extend(_aicpa_responsibilities(client))
    out.extend(_signature(document, tenure=False))
    return out


def _aicpa_responsibilities(client: str) -> list[Block]:
    return [
        Block(
            "paragraph",
            "Our objectives are to obtain reasonable assurance that the financial statements as a whole are free "
            "from material misstatement, whether due to fraud or error, and to issue an auditor's report that "
            "includes our opinion. "
            "Reasonable assurance is a high level of assurance. It is not absolute assurance. "
            "An audit conducted in accordance with GAAS does not guarantee that it will always detect a material "
            "misstatement when one exists. "
            "A misstatement from fraud is harder to detect than one from error. "
            "Fraud may involve collusion, forgery, intentional omissions, misrepresentations, or overriding internal "
            "control. "
            "A misstatement is material when it, alone or with others, is substantially likely to influence "
            "the judgment of a reasonable user of the financial statements.",
        ),
        Block("paragraph", "In an audit in accordance with GAAS, we:"),
        Block("bullet", "Use professional judgment and keep professional skepticism throughout the audit."),
        Block(
            "bullet",
            "Identify and assess the risks of material misstatement, whether due to fraud or error. "
            "We design and perform procedures that respond to those risks. "
            "Those procedures include examining, on a test basis, evidence about the amounts and disclosures.",
        ),
        Block(
            "bullet",
            "Obtain an understanding of internal control relevant to the audit, to design procedures that suit "
            "the circumstances. We do not do this to express an opinion on the effectiveness of internal control, "
            "and we express no such opinion.",
        ),
        Block(
            "bullet",
            "Evaluate whether the accounting policies used are appropriate and whether management's significant "
            "accounting estimates are reasonable. We also evaluate the overall presentation of the financial "
            "statements.",
        ),
        Block(
            "bullet",
            "Conclude whether, in our judgment, conditions or events considered together raise substantial doubt "
            f"about the ability of {client} to continue as a going concern for a reasonable period of time.",
        ),
        Block(
            "paragraph",
            "We must communicate with those charged with governance about the planned scope and timing of the "
            "audit, our significant findings, and certain internal control matters we identified during the audit.",
        ),
    ]


# --- AS 3101/3105 (issuers) ----------------------------------------------------------------------------


def _pcaob(document: ReportDocument) -> list[Block]:
    client = document.client_name
    opinion_heading, basis_heading = PCAOB_HEADINGS[document.opinion]
    statements = _statements(document, company=f"{client} (the Company)")
    out = [
        Block("title", title(document)),
        Block("addressee", f"To the shareholders and the board of directors of {client}"),
        Block("heading", opinion_heading),
    ]
    if document.opinion == "disclaimer":
        out.append(
            Block(
                "paragraph",
                f"We were engaged to audit {statements} (collectively, the financial statements). "
                + opinion_sentence(document)
                + f" The matter described in the {basis_heading} section is significant. "
                "Because of it, we could not obtain sufficient appropriate audit evidence on which to base an opinion.",
            )
        )
    else:
        out.append(
            Block(
                "paragraph",
                f"We have audited {statements} (collectively, the financial statements). " + opinion_sentence(document),
            )
        )
    out.append(Block("heading", basis_heading))
    if document.modified:
        out.extend(Block("paragraph", text) for text in _paragraphs(document.basis_for_modification))
    registration = (
        "We are a public accounting firm registered with the Public Company Accounting Oversight Board (United "
        "States) (PCAOB). We are required to be independent with respect to the Company in accordance with the U.S. "
        "federal securities laws and the applicable rules and regulations of the Securities and Exchange "
        "Commission and the PCAOB."
    )
    if document.opinion == "disclaimer":
        out.append(
            Block(
                "paragraph",
                "These financial statements are the responsibility of the Company's management. " + registration,
            )
        )
    else:
        kind = {"unmodified": "", "qualified": "qualified ", "adverse": "adverse "}[document.opinion]
        out.append(
            Block(
                "paragraph",
                "These financial statements are the responsibility of the Company's management. "
                "Our responsibility is to express an opinion on them based on our audit. " + registration,
            )
        )
        out.append(
            Block(
                "paragraph",
                "We conducted our audit in accordance with the standards of the PCAOB. "
                "Those standards require us to plan and perform the audit to obtain reasonable assurance about whether "
                "the financial statements are free of material misstatement, whether due to error or fraud. "
                "Our audit included procedures to assess the risks of material misstatement and procedures that "
                "respond to those risks. "
                "Those procedures included examining, on a test basis, evidence about the amounts and disclosures. "
                "Our audit also included evaluating the accounting principles used and the significant estimates made "
                "by management, and the overall presentation of the financial statements. "
                f"We believe that our audit provides a reasonable basis for our {kind}opinion.",
            )
        )
    if _paragraphs(document.emphasis_of_matter) and document.opinion != "disclaimer":
        out.append(Block("heading", EMPHASIS))
        out.extend(Block("paragraph", text) for text in _paragraphs(document.emphasis_of_matter))
        out.append(Block("paragraph", "Our opinion is not modified with respect to this matter."))
    if document.opinion != "disclaimer":
        out.append(Block("heading", CRITICAL_AUDIT_MATTERS))
        out.append(
            Block(
                "paragraph",
                "[Critical audit matters: each matter communicated to the audit committee that relates to material "
                "accounts or disclosures and involved especially challenging, subjective, or complex auditor "
                "judgment, with how we addressed it; or a statement that there are none. The engagement partner "
                "completes this section.]",
            )
        )
    out.extend(_signature(document, tenure=True))
    return out
