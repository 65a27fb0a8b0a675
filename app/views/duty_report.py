"""The printable daily duty report (值班日报): HTML laid out by Qt's rich
text engine, written as an A4 PDF with ``QPdfWriter`` (or drawn into images,
to look at it without a PDF viewer).

GUI thread only (Qt's text layout and fonts).
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QSizeF
from PySide6.QtGui import (
    QColor,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from app.services.evaluation import DutyReport, ExportError
from app.views.labels import action_label
from core.evaluation import percent

# The loop's stages, in the order a reader follows them.
ACTIVITY_ORDER = ("report_case", "register_case", "cancel_case", "dispatch_case", "redispatch_case",
                  "return_case", "report_handled", "check_case", "rework_case", "close_case",
                  "callback_case", "extend_case", "defer_case", "resume_case", "escalate_case")


def _labels() -> dict[str, str]:
    # Literal calls, so pyside6-lupdate finds every string.
    return {
        "Daily duty report": QCoreApplication.translate("DutyReport", "Daily duty report"),
        "Date": QCoreApplication.translate("DutyReport", "Date"),
        "Prepared by": QCoreApplication.translate("DutyReport", "Prepared by"),
        "Generated": QCoreApplication.translate("DutyReport", "Generated"),
        "At a glance": QCoreApplication.translate("DutyReport", "At a glance"),
        "Registered": QCoreApplication.translate("DutyReport", "Registered"),
        "Dispatched": QCoreApplication.translate("DutyReport", "Dispatched"),
        "Handled": QCoreApplication.translate("DutyReport", "Handled"),
        "Closed": QCoreApplication.translate("DutyReport", "Closed"),
        "Open now": QCoreApplication.translate("DutyReport", "Open now"),
        "Overdue now": QCoreApplication.translate("DutyReport", "Overdue now"),
        "Escalated": QCoreApplication.translate("DutyReport", "Escalated"),
        "Actions taken": QCoreApplication.translate("DutyReport", "Actions taken"),
        "No actions recorded": QCoreApplication.translate("DutyReport", "No actions recorded"),
        "Departments: the day and where their cases stand": QCoreApplication.translate("DutyReport", "Departments: the day and where their cases stand"),
        "Not dispatched": QCoreApplication.translate("DutyReport", "Not dispatched"),
        "Department": QCoreApplication.translate("DutyReport", "Department"),
        "None": QCoreApplication.translate("DutyReport", "None"),
        "This month so far": QCoreApplication.translate("DutyReport", "This month so far"),
        "Closure rate": QCoreApplication.translate("DutyReport", "Closure rate"),
        "On-time closure": QCoreApplication.translate("DutyReport", "On-time closure"),
        "On-time handling": QCoreApplication.translate("DutyReport", "On-time handling"),
        "Rework": QCoreApplication.translate("DutyReport", "Rework"),
        "Composite": QCoreApplication.translate("DutyReport", "Composite"),
        "Due to close": QCoreApplication.translate("DutyReport", "Due to close"),
        "Overdue cases, longest first": QCoreApplication.translate("DutyReport", "Overdue cases, longest first"),
        "Number": QCoreApplication.translate("DutyReport", "Number"),
        "Category": QCoreApplication.translate("DutyReport", "Category"),
        "Address": QCoreApplication.translate("DutyReport", "Address"),
        "Deadline": QCoreApplication.translate("DutyReport", "Deadline"),
        "Escalation": QCoreApplication.translate("DutyReport", "Escalation"),
        "Escalated this day": QCoreApplication.translate("DutyReport", "Escalated this day"),
        "Shift leader": QCoreApplication.translate("DutyReport", "Shift leader"),
        "Handed over to": QCoreApplication.translate("DutyReport", "Handed over to"),
    }


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: tuple[str, ...], rows: Sequence[Sequence[object]], colour: str = "#eef2f7",
           numeric_from: int = 1) -> str:
    head = "".join(f"<th style='background:{colour}'>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" if n < numeric_from else f"<td align='right'>{_e(c)}</td>"
                                    for n, c in enumerate(row)) + "</tr>" for row in rows)
    return ("<table cellspacing='0' cellpadding='3' border='1' width='100%' style='border-collapse:collapse'>"
            f"<tr>{head}</tr>{body}</table>")


def duty_report_html(report: DutyReport) -> str:
    L = _labels()  # noqa: N806 - a table of labels, read like constants
    activity = report.activity
    parts = [
        "<html><body style='font-size:9.5pt'>",
        f"<h2 style='margin-bottom:2px'>{_e(report.district)} {_e(L['Daily duty report'])}</h2>",
        f"<p style='color:#555'>{_e(L['Date'])}: <b>{_e(report.day.isoformat())}</b> &nbsp; "
        f"{_e(L['Prepared by'])}: {_e(report.operator)} &nbsp; "
        f"{_e(L['Generated'])}: {_e(report.generated_at.replace('T', ' ')[:16])}</p>",
        f"<h3>{_e(L['At a glance'])}</h3>",
    ]
    glance = ((L["Registered"], activity.get("register_case", 0)),
              (L["Dispatched"], activity.get("dispatch_case", 0) + activity.get("redispatch_case", 0)),
              (L["Handled"], activity.get("report_handled", 0)),
              (L["Closed"], activity.get("close_case", 0) + activity.get("callback_case", 0)),
              (L["Open now"], report.open_now), (L["Overdue now"], report.overdue_now),
              (L["Escalated"], activity.get("escalate_case", 0)))
    parts.append(_table(tuple(k for k, _ in glance), [tuple(v for _, v in glance)], numeric_from=0))

    parts.append(f"<h3>{_e(L['Actions taken'])}</h3><p>")
    kinds = [k for k in ACTIVITY_ORDER if activity.get(k)] + sorted(
        k for k in activity if k not in ACTIVITY_ORDER and k != "add_note")
    parts.append(" &nbsp;·&nbsp; ".join(f"{_e(action_label(k))} <b>{activity[k]}</b>" for k in kinds)
                 or _e(L["No actions recorded"]))
    parts.append("</p>")

    parts.append(f"<h3>{_e(L['Departments: the day and where their cases stand'])}</h3>")
    rows: list[tuple[object, ...]] = [(d["name"] or L["Not dispatched"], d["dispatched"], d["handled"], d["closed"], d["open"], d["overdue"])
            for d in report.departments if any(d[k] for k in ("dispatched", "handled", "closed", "open"))]
    parts.append(_table((L["Department"], L["Dispatched"], L["Handled"], L["Closed"], L["Open now"],
                         L["Overdue now"]), rows) if rows else f"<p>{_e(L['None'])}</p>")

    total = report.evaluation.total
    assert total is not None
    i = total.indicators
    parts.append(f"<h3>{_e(L['This month so far'])} ({_e(report.evaluation.period.label)})</h3>")
    parts.append(f"<p>{_e(L['Closure rate'])} <b>{percent(i.closure_rate)}</b> &nbsp; "
                 f"{_e(L['On-time closure'])} <b>{percent(i.on_time_closure_rate)}</b> &nbsp; "
                 f"{_e(L['On-time handling'])} <b>{percent(i.on_time_handling_rate)}</b> &nbsp; "
                 f"{_e(L['Rework'])} <b>{percent(i.rework_rate)}</b> &nbsp; "
                 f"{_e(L['Composite'])} <b>{'—' if i.composite is None else f'{i.composite:.2f}'}</b></p>")
    rows = []  # the month's table
    for group in report.evaluation.groups:
        gt, gi = group.tally, group.indicators
        name = report.names.get(group.key or "", group.key) if group.key else L["Not dispatched"]
        rows.append((name, gt.registered, gt.due_to_close, gt.closed, percent(gi.closure_rate),
                     percent(gi.on_time_handling_rate), "—" if gi.composite is None else f"{gi.composite:.2f}"))
    parts.append(_table((L["Department"], L["Registered"], L["Due to close"], L["Closed"], L["Closure rate"],
                         L["On-time handling"], L["Composite"]), rows))

    parts.append(f"<h3>{_e(L['Overdue cases, longest first'])}</h3>")
    if report.overdue_cases:
        rows = [(row.get("number") or row.get("provisional_number") or "", row["category_name"],
                 row.get("address"), row.get("department") or "",
                 (row.get("deadline") or "")[:16].replace("T", " "), row.get("escalation_level") or "")
                for row in report.overdue_cases]
        parts.append(_table((L["Number"], L["Category"], L["Address"], L["Department"], L["Deadline"],
                             L["Escalation"]), rows, colour="#fbe9e7", numeric_from=6))
    else:
        parts.append(f"<p>{_e(L['None'])}</p>")
    if report.escalated_cases:
        parts.append(f"<h3>{_e(L['Escalated this day'])}</h3><ul>")
        for row in report.escalated_cases:
            parts.append(f"<li>{_e(row.get('number'))} {_e(row['category_name'])} {_e(row.get('address'))} "
                         f"({_e(row.get('operator'))}, {_e((row.get('at') or '')[11:16])})</li>")
        parts.append("</ul>")
    parts.append(f"<p style='margin-top:18px'>{_e(L['Shift leader'])}: ____________ &nbsp;&nbsp; "
                 f"{_e(L['Handed over to'])}: ____________</p>")
    parts.append("</body></html>")
    return "".join(parts)


def _document(report: DutyReport, width_pt: float) -> QTextDocument:
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setHtml(duty_report_html(report))
    document.setPageSize(QSizeF(width_pt, width_pt * 297 / 210))
    return document


def write_duty_report_pdf(report: DutyReport, path: str | Path) -> Path:
    """An A4 PDF; written beside the target and renamed, so a failure leaves
    no half-written file."""
    target = Path(path)
    if not target.parent.is_dir():
        raise ExportError(f"folder {target.parent} does not exist", "no_folder", folder=str(target.parent))
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".pdf", dir=target.parent)
    os.close(fd)
    writer = QPdfWriter(tmp)
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    writer.setTitle(f"{report.district} {_labels()['Daily duty report']} {report.day.isoformat()}")
    document = QTextDocument()
    document.setHtml(duty_report_html(report))
    document.print_(writer)
    del writer  # finishes the file
    if Path(tmp).stat().st_size == 0:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}", "cannot_write", file=str(target))
    os.replace(tmp, target)
    return target


def render_duty_report_images(report: DutyReport, width_px: int = 1240) -> list[QImage]:
    """The report's pages as images (A4 proportions), for a preview."""
    document = _document(report, 595.0)
    scale = width_px / 595.0
    height_px = int(width_px * 297 / 210)
    images = []
    page_height = document.pageSize().height()
    for page in range(document.pageCount()):
        image = QImage(width_px, height_px, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.scale(scale, scale)
        painter.translate(0, -page * page_height)
        document.drawContents(painter)
        painter.end()
        images.append(image)
    return images
