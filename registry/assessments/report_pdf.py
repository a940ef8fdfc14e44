"""The audit report as a PDF the firm can file: area scores, the overall result and every
finding with what it needs. Plain data in, bytes out (like the certificate's PDF)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


@dataclass(frozen=True)
class ReportPdfData:
    """Everything printed, already in words (labels translated by the caller)."""

    title: str
    lines: list[str]                      # firm, application, audit dates, audit type
    area_header: list[str]
    areas: list[list[str]]                # area name, score, minimum, outcome
    outcome: str
    reasons: list[str]
    findings_title: str
    findings: list[list[str]]             # criterion, kind, text, due, status, plan
    findings_header: list[str]
    footer: str


def build_report_pdf(data: ReportPdfData) -> bytes:
    """The report as an A4 PDF."""
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8,
                                                                leading=10)

    def para(text: str, style=body) -> Paragraph:
        return Paragraph(escape(text), style)

    def table(header: list[str], rows: list[list[str]], widths) -> Table:
        cells = [[para(h, small) for h in header]] + [[para(c, small) for c in row]
                                                      for row in rows]
        grid = Table(cells, colWidths=widths, repeatRows=1)
        grid.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ecf2")),
            ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return grid

    story = [Paragraph(escape(data.title), styles["Title"])]
    story += [para(line) for line in data.lines]
    story += [Spacer(1, 4 * mm), table(data.area_header, data.areas,
                                       [70 * mm, 30 * mm, 30 * mm, 40 * mm])]
    story += [Spacer(1, 3 * mm), Paragraph(f"<b>{escape(data.outcome)}</b>", body)]
    story += [para(f"• {reason}") for reason in data.reasons]
    story += [Spacer(1, 4 * mm), Paragraph(escape(data.findings_title), styles["Heading2"])]
    if data.findings:
        story.append(table(data.findings_header, data.findings,
                           [18 * mm, 25 * mm, 50 * mm, 20 * mm, 25 * mm, 42 * mm]))
    story += [Spacer(1, 6 * mm), para(data.footer, small)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=data.title, author="Registro Bollino Blu",
                      leftMargin=15 * mm, rightMargin=15 * mm).build(story)
    return out.getvalue()
