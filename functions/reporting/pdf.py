"""The auditor's report as a PDF: the report, the statements with comparatives, the approved notes when the
engagement asks for them, and an analytics appendix.

`render(document)` is pure: the same ReportDocument gives the same bytes (and so the same SHA-256) in
any process. reportlab runs in invariant mode (fixed document id, no comments with times), the
creation and modification dates are the report date, and nothing random or time-dependent goes in.
The fonts are the Bitstream Vera TrueType files reportlab ships, embedded (subset) in the file; no
standard non-embedded font is used, the canvas's initial font included.

reportlab is imported inside the functions (cold start of the Function app).
"""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from functions.reporting import opinion_text
from functions.reporting.document import BenfordSummary, ReportDocument, validate
from shared.statements import Amounts, Statement

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.styles import ParagraphStyle

FONT = "AuraVera"
FONT_BOLD = "AuraVera-Bold"
FONT_ITALIC = "AuraVera-Italic"
FONT_BOLD_ITALIC = "AuraVera-BoldItalic"
FONT_FILES = {FONT: "Vera.ttf", FONT_BOLD: "VeraBd.ttf", FONT_ITALIC: "VeraIt.ttf", FONT_BOLD_ITALIC: "VeraBI.ttf"}
CENT = Decimal("0.01")
FOOTER_SIZE = 7.5
_FONTS_LOCK = threading.Lock()

# The balance sheet's and the income statement's running subtotals, after the section they close.
SUBTOTALS_AFTER = {
    "balance_sheet": {
        "non_current_assets": (("total_assets", "Total assets"),),
        "non_current_liabilities": (("total_liabilities", "Total liabilities"),),
        "equity": (("total_liabilities_and_equity", "Total liabilities and equity"),),
    },
    "income_statement": {
        "cost_of_sales": (("gross_profit", "Gross profit"),),
        "operating_expenses": (("operating_income", "Operating income"),),
        "other_income_expense": (("income_before_tax", "Income before income tax"),),
        "income_tax": (("net_income", "Net income"),),
    },
}
STATEMENT_TITLES = {
    "balance_sheet": "Balance Sheet",
    "income_statement": "Statement of Income",
}
SPECIAL_PURPOSE_TITLES = {
    "balance_sheet": "Statement of Assets, Liabilities, and Equity",
    "income_statement": "Statement of Revenue and Expenses",
}


def amount(value: Decimal | None) -> str:
    """1,234.50 and (1,234.50) for a negative; empty for no amount."""
    if value is None:
        return ""
    rounded = value.quantize(CENT)
    text = f"{abs(rounded):,.2f}"
    return f"({text})" if rounded < 0 else text


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def prior_period_end(document: ReportDocument) -> date:
    return document.period_start - timedelta(days=1)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pdf_date(day: date) -> str:
    return f"D:{day.year:04d}{day.month:02d}{day.day:02d}000000+00'00'"


def _register_fonts() -> None:
    import reportlab
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _FONTS_LOCK:  # the Functions host renders on a thread pool
        if FONT in pdfmetrics.getRegisteredFontNames():
            return
        folder = Path(reportlab.__file__).parent / "fonts"
        for name, filename in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
        addMapping(FONT, 0, 0, FONT)
        addMapping(FONT, 1, 0, FONT_BOLD)
        addMapping(FONT, 0, 1, FONT_ITALIC)
        addMapping(FONT, 1, 1, FONT_BOLD_ITALIC)


def _styles() -> dict[str, ParagraphStyle]:
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle(
        "body", fontName=FONT, bulletFontName=FONT, fontSize=9.5, leading=13, alignment=TA_JUSTIFY, spaceAfter=6
    )
    return {
        "body": body,
        "title": ParagraphStyle("title", body, fontName=FONT_BOLD, fontSize=13, leading=17, alignment=TA_CENTER),
        "addressee": ParagraphStyle("addressee", body, spaceBefore=10, spaceAfter=8),
        "heading": ParagraphStyle("heading", body, fontName=FONT_BOLD, fontSize=10.5, spaceBefore=8, spaceAfter=4),
        "bullet": ParagraphStyle("bullet", body, leftIndent=14, bulletIndent=4),
        "signature": ParagraphStyle("signature", body, spaceAfter=1, alignment=0),
        "page_title": ParagraphStyle("page_title", body, fontName=FONT_BOLD, fontSize=12, alignment=TA_CENTER),
        "centered": ParagraphStyle("centered", body, alignment=TA_CENTER, spaceAfter=2),
        "section": ParagraphStyle("section", body, fontName=FONT_BOLD, fontSize=10.5, spaceBefore=10, keepWithNext=1),
        "cell": ParagraphStyle("cell", body, fontSize=8, leading=10, alignment=0, spaceAfter=0),
        "cell_right": ParagraphStyle("cell_right", body, fontSize=8, leading=10, alignment=TA_RIGHT, spaceAfter=0),
        "note": ParagraphStyle("note", body, fontName=FONT_ITALIC, fontSize=8, leading=10),
    }


def render(document: ReportDocument) -> bytes:
    """The report's PDF; ValueError (naming the field) for a document that is wrong."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.units import inch
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    validate(document)
    _register_fonts()
    styles = _styles()
    story: list[Any] = []
    story += _report_pages(document, styles)
    for name in ("balance_sheet", "income_statement"):
        statement = document.statement(name)
        if statement is not None:
            story.append(PageBreak())
            story += _statement_page(document, statement, styles)
    if document.notes:
        story.append(PageBreak())
        story += _notes_pages(document, styles)
    story.append(PageBreak())
    story += _appendix(document, styles)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=0.9 * inch,
        rightMargin=0.9 * inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
        title=f"{opinion_text.title(document)}: {document.client_name}",
        author=document.firm_name,
        subject=f"Financial statements for the year ended {opinion_text.long_date(document.period_end)}",
        creator="Aura",
        keywords=f"version {document.version}",
        invariant=1,
        pageCompression=1,
        initialFontName=FONT,
        initialFontSize=9,
        initialLeading=11,
    )
    suffix = f"  ·  {opinion_text.title(document)}, version {document.version}"
    doc.build(story, canvasmaker=_canvas_maker(document.client_name, suffix, _pdf_date(document.report_date)))
    return buffer.getvalue()


def _fit(text: str, width: float) -> str:
    """The text, shortened with an ellipsis to fit the width at the footer's size."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, FONT, FOOTER_SIZE) <= width:
        return text
    while text and stringWidth(text + "…", FONT, FOOTER_SIZE) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _canvas_maker(client: str, suffix: str, stamp: str) -> Any:
    """A canvas that writes the footer (the client, shortened if need be, the report and its version) and
    "Page n of m" on each page once the page count is known."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.units import inch
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    fitted = _fit(client, LETTER[0] - 3.2 * inch - stringWidth(suffix, FONT, FOOTER_SIZE)) + suffix

    class FooterCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            self.setDateFormatter(lambda *_: stamp)

        def showPage(self) -> None:  # noqa: N802  # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self.saveState()
                self.setFont(FONT, FOOTER_SIZE)
                self.setFillColor(HexColor("#555555"))
                self.drawString(0.9 * inch, 0.5 * inch, fitted)
                self.drawRightString(LETTER[0] - 0.9 * inch, 0.5 * inch, f"Page {number} of {total}")
                self.restoreState()
                super().showPage()
            super().save()

    return FooterCanvas


# --- the report ----------------------------------------------------------------------------------------


def _report_pages(document: ReportDocument, styles: dict[str, ParagraphStyle]) -> list[Any]:
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    story: list[Any] = []
    signature: list[Any] = [Spacer(1, 10)]
    for block in opinion_text.blocks(document):
        text = _escape(block.text)
        if block.kind == "signature":
            signature.append(Paragraph(text, styles["signature"]))
        elif block.kind == "bullet":
            story.append(Paragraph(text, styles["bullet"], bulletText="•"))
        elif block.kind == "paragraph" and len(signature) > 1:
            signature.append(Spacer(1, 6))
            signature.append(Paragraph(text, styles["body"]))
        else:
            story.append(Paragraph(text, styles[block.kind if block.kind != "paragraph" else "body"]))
    story.append(KeepTogether(signature))
    return story


# --- the statements ------------------------------------------------------------------------------------


def _statement_page(document: ReportDocument, statement: Statement, styles: dict[str, ParagraphStyle]) -> list[Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    special = document.framework in opinion_text.SPECIAL_PURPOSE
    title = (SPECIAL_PURPOSE_TITLES if special else STATEMENT_TITLES)[statement.statement]
    current_label = opinion_text.long_date(document.period_end)
    prior_label = opinion_text.long_date(prior_period_end(document))
    if statement.statement == "balance_sheet":
        when = f"As of {current_label}" + (f" and {prior_label}" if statement.has_prior else "")
    else:
        when = (
            f"For the years ended {current_label} and {prior_label}"
            if statement.has_prior
            else f"For the year ended {current_label}"
        )
    story: list[Any] = [
        Paragraph(_escape(document.client_name), styles["page_title"]),
        Paragraph(title, styles["page_title"]),
        Paragraph(when, styles["centered"]),
        Spacer(1, 10),
    ]
    header = ["", current_label] + ([prior_label] if statement.has_prior else [])
    rows: list[list[str]] = [header]
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LEADING", (0, 0), (-1, -1), 10.5),
        ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, HexColor("#000000")),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]

    def values(amounts: Amounts) -> list[str]:
        return [amount(amounts.current)] + ([amount(amounts.prior)] if statement.has_prior else [])

    subtotals = SUBTOTALS_AFTER[statement.statement]
    for section in statement.sections:
        rows.append([section.title] + [""] * (len(header) - 1))
        commands.append(("FONTNAME", (0, len(rows) - 1), (0, len(rows) - 1), FONT_BOLD))
        for caption in section.captions:
            rows.append(["    " + caption.caption, *values(Amounts(caption.current, caption.prior))])
        rows.append([f"Total {section.title.lower()}", *values(section.total)])
        last = len(rows) - 1
        commands.append(("LINEABOVE", (1, last), (-1, last), 0.4, HexColor("#000000")))
        commands.append(("FONTNAME", (0, last), (-1, last), FONT_BOLD))
        for key, label in subtotals.get(section.section, ()):
            rows.append([label, *values(statement.subtotals[key])])
            last = len(rows) - 1
            commands.append(("LINEABOVE", (1, last), (-1, last), 0.4, HexColor("#000000")))
            commands.append(("LINEBELOW", (1, last), (-1, last), 0.8, HexColor("#000000")))
            commands.append(("FONTNAME", (0, last), (-1, last), FONT_BOLD))
            commands.append(("TOPPADDING", (0, last), (-1, last), 3))
            commands.append(("BOTTOMPADDING", (0, last), (-1, last), 4))
    widths = [3.3 * inch] + [1.5 * inch] * (len(header) - 1)
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    story.append(table)
    if statement.statement == "balance_sheet" and not statement.balanced:
        story.append(Spacer(1, 8))
        story.append(
            Paragraph(
                f"Total assets differ from total liabilities and equity by {amount(statement.difference)}.",
                styles["note"],
            )
        )
    if statement.unmapped:
        story.append(Spacer(1, 8))
        story.append(
            Paragraph(
                "Accounts with a balance that are not mapped to a caption (not included in the amounts above):",
                styles["note"],
            )
        )
        unmapped = [["Account", "Name", "Status", "Amount"]] + [
            [u.account_number, u.account_name, u.status, amount(u.amount)] for u in statement.unmapped
        ]
        small = Table(unmapped, colWidths=[0.9 * inch, 2.8 * inch, 0.9 * inch, 1.3 * inch], hAlign="LEFT")
        small.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                    ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                    ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                ]
            )
        )
        story.append(small)
    return story


# --- the notes ----------------------------------------------------------------------------------------


def _notes_pages(document: ReportDocument, styles: dict[str, ParagraphStyle]) -> list[Any]:
    """The approved notes, numbered in order, each paragraph of its text as written."""
    from reportlab.platypus import Paragraph

    story: list[Any] = [
        Paragraph(_escape(document.client_name), styles["page_title"]),
        Paragraph("Notes to the Financial Statements", styles["page_title"]),
        Paragraph(f"For the year ended {opinion_text.long_date(document.period_end)}", styles["centered"]),
    ]
    for number, note in enumerate(document.notes, 1):
        story.append(Paragraph(f"{number}. {_escape(note.title)}", styles["section"]))
        story += [Paragraph(_escape(part.strip()), styles["body"]) for part in note.text.split("\n") if part.strip()]
    return story


# --- the analytics appendix ----------------------------------------------------------------------------


def _grid_table(rows: list[list[Any]], widths: list[float], right: tuple[int, int]) -> Any:
    """A table with a shaded header row; columns right[0] to right[1] (numbers) aligned right."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("LEADING", (0, 0), (-1, -1), 10),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("BACKGROUND", (0, 0), (-1, 0), HexColor("#E8ECF2")),
                ("GRID", (0, 0), (-1, -1), 0.3, HexColor("#999999")),
                ("ALIGN", (right[0], 0), (right[1], -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _appendix(document: ReportDocument, styles: dict[str, ParagraphStyle]) -> list[Any]:
    from reportlab.lib.units import inch
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    story: list[Any] = [
        Paragraph("Appendix: Analytics Performed", styles["page_title"]),
        Paragraph(
            "Supplementary information on procedures performed. It is not part of the financial statements.",
            styles["centered"],
        ),
        Paragraph("Journal-entry testing", styles["section"]),
    ]
    je = document.je_summary
    if je is None:
        story.append(Paragraph("No journal-entry testing run is recorded.", styles["body"]))
    else:
        story.append(
            Paragraph(
                f"Run on {opinion_text.long_date(je.run_date)} over {je.population_lines:,} lines "
                f"in {je.population_journals:,} journals.",
                styles["body"],
            )
        )
        rows: list[list[Any]] = [["Test", "Code", "Flagged lines", "Flagged journals"]]
        rows += [
            [Paragraph(_escape(t.title), styles["cell"]), t.code, f"{t.flagged_lines:,}", f"{t.flagged_journals:,}"]
            for t in je.tests
        ]
        story.append(_grid_table(rows, [2.75 * inch, 1.35 * inch, 1.1 * inch, 1.25 * inch], right=(2, 3)))

    story.append(Paragraph("Benford first-digit test", styles["section"]))
    if document.benford is None:
        story.append(Paragraph("No ledger was analyzed.", styles["body"]))
    else:
        benford = document.benford
        facts = [f"{benford.count:,} amounts"]
        if benford.mad is not None:
            facts.append(f"mean absolute deviation {benford.mad:.4f}")
        if benford.conformity is not None:
            facts.append(f"conformity: {benford.conformity}")
        chart = _benford_chart(benford)
        rows = [["Digit", "Observed count", "Observed", "Expected"]]
        rows += [
            [str(d.digit), f"{d.observed_count:,}", percent(d.observed), percent(d.expected)] for d in benford.digits
        ]
        story.append(
            KeepTogether(
                [
                    Paragraph("; ".join(facts) + ".", styles["body"]),
                    chart,
                    Spacer(1, 6),
                    _grid_table(rows, [0.7 * inch, 1.2 * inch, 1.0 * inch, 1.0 * inch], right=(1, 3)),
                ]
            )
        )

    story.append(Paragraph("Sampling results", styles["section"]))
    if not document.samples:
        story.append(Paragraph("No samples are recorded.", styles["body"]))
    else:
        cell, right = styles["cell"], styles["cell_right"]
        rows = [["Sample", "Method", "Population", "Size", "Errors", "Projected", "Upper limit", "Conclusion"]]
        rows += [
            [
                Paragraph(_escape(s.name), cell),
                s.method,
                Paragraph(amount(s.population_value), right),
                f"{s.sample_size:,}",
                f"{s.misstatements_found:,}",
                Paragraph(amount(s.projected_misstatement), right),
                Paragraph(amount(s.upper_limit), right),
                Paragraph(_escape(s.conclusion), cell),
            ]
            for s in document.samples
        ]
        widths = [1.15, 0.65, 0.95, 0.45, 0.55, 0.85, 0.85, 1.25]
        story.append(_grid_table(rows, [w * inch for w in widths], right=(2, 6)))
    return story


def _benford_chart(benford: BenfordSummary) -> Drawing:
    """Observed shares as bars, Benford's expected shares as a line with markers (vector, fixed layout)."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
    from reportlab.lib.colors import HexColor

    width, height = 440.0, 210.0
    left, bottom, plot_w, plot_h = 44.0, 34.0, 380.0, 150.0
    top_share = max([0.35, *(d.observed for d in benford.digits), *(d.expected for d in benford.digits)])
    steps = int(top_share * 20 - 1e-9) + 1  # gridlines every 5%
    scale = plot_h / (steps * 0.05)
    drawing = Drawing(width, height, initialFontName=FONT, initialFontSize=8)
    grey, ink = HexColor("#BBBBBB"), HexColor("#222222")
    for step in range(steps + 1):
        y = bottom + step * 0.05 * scale
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=grey, strokeWidth=0.3))
        drawing.add(String(left - 4, y - 3, f"{step * 5}%", fontName=FONT, fontSize=7, textAnchor="end"))
    slot = plot_w / 9
    points: list[float] = []
    for index, d in enumerate(benford.digits):
        x = left + index * slot
        bar = max(d.observed, 0.0) * scale
        drawing.add(Rect(x + slot * 0.2, bottom, slot * 0.6, bar, fillColor=HexColor("#4F81BD"), strokeColor=None))
        drawing.add(String(x + slot / 2, bottom - 11, str(d.digit), fontName=FONT, fontSize=8, textAnchor="middle"))
        points += [x + slot / 2, bottom + d.expected * scale]
    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=ink, strokeWidth=0.6))
    drawing.add(Line(left, bottom, left, bottom + plot_h, strokeColor=ink, strokeWidth=0.6))
    drawing.add(PolyLine(points, strokeColor=HexColor("#C0504D"), strokeWidth=1.2))
    for i in range(0, len(points), 2):
        drawing.add(Circle(points[i], points[i + 1], 2.2, fillColor=HexColor("#C0504D"), strokeColor=None))
    drawing.add(String(left + plot_w / 2, 6, "First digit", fontName=FONT, fontSize=8, textAnchor="middle"))
    legend_y = height - 12
    drawing.add(Rect(left + 4, legend_y, 10, 7, fillColor=HexColor("#4F81BD"), strokeColor=None))
    drawing.add(String(left + 18, legend_y, "Observed", fontName=FONT, fontSize=8))
    drawing.add(Line(left + 80, legend_y + 3.5, left + 94, legend_y + 3.5, strokeColor=HexColor("#C0504D")))
    drawing.add(Circle(left + 87, legend_y + 3.5, 2.2, fillColor=HexColor("#C0504D"), strokeColor=None))
    drawing.add(String(left + 98, legend_y, "Expected (Benford)", fontName=FONT, fontSize=8))
    return drawing
