"""The Informe Técnico / Nota Interna on publications that the promotion professional files.

The manual (6 d) has the Profesional en Promoción de Servicios report on publications. For
a chosen period this module gathers what the document must say — publications by type and
channel, requests per procedure and outcome, deadline compliance and where requests wait
(the deadline dashboard's chart); ``core.adapters.exports.docx_report`` writes it as a Word
document, in memory.

Interpretations (said in the document too):

* A request of types 1–3 counts as published in the period when its last stage was
  completed in it, on the channels the administrator recorded when publishing (older
  requests without them show «No registrado»); direct publications (types 4–7) carry
  theirs.
* «Requests per procedure and outcome» covers every request in progress at some point of
  the period (registered on or before its end, not closed before its start); the outcome
  is where it stood at the end of the period.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from core.domain.ledger import Ledger
from core.domain.models import PublicationType, Status
from core.domain.workdays import WorkCalendar
from core.services.dashboard import Dashboard, DashboardFilter, StageFigures, dashboard

__all__ = ["UNKNOWN_CHANNEL", "DocumentKind", "PublicationLine", "ReportData", "report_data"]

UNKNOWN_CHANNEL = "No registrado"
OUTCOMES = (Status.PUBLISHED, Status.REJECTED, Status.WITHDRAWN, Status.CANCELLED,
            Status.IN_PROGRESS)


class DocumentKind(StrEnum):
    TECHNICAL_REPORT = "Informe Técnico"
    INTERNAL_NOTE = "Nota Interna"


@dataclass(frozen=True)
class PublicationLine:
    published_at: datetime
    type_label: str
    title: str
    channel: str
    reference: str  # request or publication id


@dataclass(frozen=True)
class ReportData:
    start: date
    end: date
    publications: tuple[PublicationLine, ...]
    by_type_and_channel: tuple[tuple[str, str, int], ...]
    outcomes: tuple[tuple[str, dict[Status, int]], ...]  # procedure label -> counts
    board: Dashboard

    @property
    def total_publications(self) -> int:
        return len(self.publications)

    def deadline_stages(self) -> list[StageFigures]:
        return [f for f in self.board.stages if f.with_deadline]


def _type_label(procedure: int, fallback: str) -> str:
    try:
        return PublicationType(str(procedure)).label
    except ValueError:
        return f"{procedure} · {fallback}"


def report_data(
    ledger: Ledger, calendar: WorkCalendar, start: date, end: date, today: date
) -> ReportData:
    """Everything the document says about ``start``–``end`` (both days included)."""
    lines: list[PublicationLine] = []
    for publication in ledger.direct_publications:
        if start <= publication.published_at.date() <= end:
            lines.append(PublicationLine(publication.published_at, publication.type.label,
                                         publication.title, publication.channel,
                                         publication.publication_id))
    outcomes: dict[int, Counter[Status]] = {}
    for state in ledger.states.values():
        request = state.request
        closed = state.closed_at
        if state.status is Status.PUBLISHED and closed and start <= closed.date() <= end:
            channels = state.events[-1].payload().get("canales") or [UNKNOWN_CHANNEL]
            for channel in channels:
                lines.append(PublicationLine(closed, _type_label(request.procedure,
                                                                 state.procedure.name),
                                             request.title, str(channel), request.request_id))
        if request.created_at.date() > end or (closed is not None and closed.date() < start):
            continue
        outcome = state.status if closed is not None and closed.date() <= end \
            else Status.IN_PROGRESS
        outcomes.setdefault(request.procedure, Counter())[outcome] += 1
    lines.sort(key=lambda line: (line.published_at, line.reference))
    grouped = Counter((line.type_label, line.channel) for line in lines)
    names = {n: ledger.procedures.current(n).name for n in ledger.procedures.numbers()}
    procedures = sorted(set(names) | set(outcomes))
    return ReportData(
        start=start, end=end, publications=tuple(lines),
        by_type_and_channel=tuple((t, c, n) for (t, c), n in sorted(grouped.items())),
        outcomes=tuple((_type_label(p, names.get(p, "")),
                        {s: outcomes.get(p, Counter())[s] for s in OUTCOMES})
                       for p in procedures),
        board=dashboard(ledger, calendar, today, DashboardFilter(start, end)),
    )


# -- the chart -------------------------------------------------------------------------------
