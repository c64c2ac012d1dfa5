"""The Informe Técnico / Nota Interna on publications that the promotion professional files.

The manual (6 d) has the Profesional en Promoción de Servicios report on publications. For
a chosen period this module gathers what the document must say — publications (distinct,
and per channel), requests per procedure and outcome, deadline compliance and where
requests wait (the deadline dashboard), the 15-minute rule, crises and deletion orders;
``core.adapters.exports.docx_report`` writes it as a Word document, in memory.

Interpretations (said in the document too):

* A request of types 1–3 counts as published in the period when its last stage was
  completed in it, on the channels the administrator recorded when publishing (older
  requests without them show «No registrado»); direct publications (types 4–7) carry
  theirs. A publication counts once however many channels it went to; the table per
  channel counts one line per channel.
* The material a request published is the version its approval pinned (its SHA-256 is in
  the publishing event's data, sealed by the hash chain).
* «Requests per procedure and outcome» covers every request in progress at some point of
  the period (registered on or before its end, not closed before its start); the outcome
  is where it stood at the end of the period.
* Crises count when they were open at some point of the period; deletion orders when
  they were given in it.
* Paid promotion (7.1, any type «previa aprobación»): a request's amount is approved by
  the DE's own stage of its procedure; a direct publication's, by the DE on its page. The
  total counts approved amounts only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from core.domain.ledger import Ledger
from core.domain.materials import trail
from core.domain.models import (
    CrisisIncident,
    DeletionOrder,
    PublicationStats,
    PublicationType,
    Status,
    User,
)
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.domain.workflow import RequestState
from core.services import service_logs, statistics
from core.services.dashboard import (
    Dashboard,
    DashboardFilter,
    StageFigures,
    Visits,
    dashboard,
)

__all__ = [
    "UNKNOWN_CHANNEL", "DocumentKind", "PublicationLine", "PublishedMaterial", "ReportData",
    "bottlenecks", "person", "report_data",
]

UNKNOWN_CHANNEL = "No registrado"
OUTCOMES = (Status.PUBLISHED, Status.REJECTED, Status.IN_PROGRESS)


class DocumentKind(StrEnum):
    TECHNICAL_REPORT = "Informe Técnico"
    INTERNAL_NOTE = "Nota Interna"


@dataclass(frozen=True)
class PublicationLine:
    """One publication on one channel (a publication on two channels is two lines)."""

    published_at: datetime
    type_label: str
    title: str
    channel: str
    reference: str  # request or publication id
    product: str = ""


@dataclass(frozen=True)
class PromotionLine:
    """A publication of the period that carried paid promotion (7.1)."""

    reference: str
    title: str
    type_label: str
    amount: float
    approved_by: str  # who approved it for the DE, «» while it waits


NO_PRODUCT = "Sin registrar"


@dataclass(frozen=True)
class PublishedMaterial:
    """The material a request published: the version its approval pinned, and its hash."""

    request_id: str
    title: str
    published_at: datetime
    version: int
    sha256: str


@dataclass(frozen=True)
class ReportData:
    start: date
    end: date
    publications: tuple[PublicationLine, ...]
    by_type_and_channel: tuple[tuple[str, str, int], ...]
    outcomes: tuple[tuple[str, dict[Status, int]], ...]  # procedure label -> counts
    board: Dashboard
    material: tuple[PublishedMaterial, ...] = ()
    questions: service_logs.AnswerCompliance | None = None
    questions_in_hours: service_logs.AnswerCompliance | None = None
    hours_label: str = service_logs.AROUND_THE_CLOCK.label
    crises: tuple[CrisisIncident, ...] = ()
    deletions: tuple[DeletionOrder, ...] = ()
    promotions: tuple[PromotionLine, ...] = ()
    stats: tuple[PublicationStats, ...] = ()  # the latest figures of the period's publications

    @property
    def stats_totals(self) -> statistics.Totals:
        return statistics.totals(self.stats)

    def stats_by_channel(self) -> list[tuple[str, statistics.Totals]]:
        channels = sorted({s.channel for s in self.stats})
        return [(c, statistics.totals(s for s in self.stats if s.channel == c))
                for c in channels]

    def top_reach(self, count: int = 5) -> list[PublicationStats]:
        return sorted(self.stats, key=lambda s: (-(s.reach or 0), s.publication))[:count]

    @property
    def promotion_total(self) -> float:
        """Bs of paid promotion approved by the DE, publications of the period."""
        return sum(p.amount for p in self.promotions if p.approved_by)

    def by_product(self) -> list[tuple[str, int]]:
        """Distinct publications per product (section 10)."""
        seen = {(line.product or NO_PRODUCT, line.reference) for line in self.publications}
        return sorted(Counter(p for p, _ in seen).items(), key=lambda kv: (-kv[1], kv[0]))

    @property
    def total_publications(self) -> int:
        """Distinct publications (a request or a direct publication counts once)."""
        return len({line.reference for line in self.publications})

    @property
    def channel_lines(self) -> int:
        """Publications per channel, added up (one publication on two channels is two)."""
        return len(self.publications)

    def by_channel(self) -> list[tuple[str, int]]:
        counts = Counter(line.channel for line in self.publications)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def by_type(self) -> list[tuple[str, int]]:
        """Distinct publications per type."""
        seen = {(line.type_label, line.reference) for line in self.publications}
        return sorted(Counter(t for t, _ in seen).items())

    @property
    def channels_unknown(self) -> int:
        """Publications whose channel was never recorded (older requests)."""
        return len({line.reference for line in self.publications
                    if line.channel == UNKNOWN_CHANNEL})

    def deadline_stages(self) -> list[StageFigures]:
        return [f for f in self.board.stages if f.with_deadline]

    @property
    def bottlenecks(self) -> list[StageFigures]:
        return bottlenecks(self.board)

    @property
    def requests_in_period(self) -> int:
        return sum(sum(counts.values()) for _, counts in self.outcomes)


def bottlenecks(board: Dashboard) -> list[StageFigures]:
    """Every stage tied for the most working days waited (none when nobody waited)."""
    busy = [f for f in board.stages if f.waiting_total > 0]
    if not busy:
        return []
    most = max(f.waiting_total for f in busy)
    return sorted((f for f in busy if f.waiting_total == most),
                  key=lambda f: (f.procedure, f.stage))


def person(user: User | None, role: Role | None, fallback: str = "") -> str:
    """«Rosa Condori — Jefatura de la UGS»: the name once, then the role."""
    name = user.full_name.strip() if user is not None else fallback
    return f"{name} — {role.label}" if role is not None else name


def _type_label(procedure: int, fallback: str) -> str:
    try:
        return PublicationType(str(procedure)).label
    except ValueError:
        return f"{procedure} · {fallback}"


def _crises_in(items: Iterable[CrisisIncident], start: date, end: date
               ) -> tuple[CrisisIncident, ...]:
    return tuple(sorted((i for i in items if i.opened_at.date() <= end
                         and (i.closed_at is None or i.closed_at.date() >= start)),
                        key=lambda i: (i.opened_at, i.incident_id)))


def report_data(
    ledger: Ledger, calendar: WorkCalendar, start: date, end: date, today: date,
    visits: Visits | None = None, now: datetime | None = None,
    hours: service_logs.AttentionHours = service_logs.AROUND_THE_CLOCK,
) -> ReportData:
    """Everything the document says about ``start``–``end`` (both days included).

    ``visits``: the dashboard's stage visits of this ledger, when the caller keeps them.
    """
    lines: list[PublicationLine] = []
    promotions: list[PromotionLine] = []
    for publication in ledger.direct_publications:
        if start <= publication.published_at.date() <= end:
            lines.append(PublicationLine(publication.published_at, publication.type.label,
                                         publication.title, publication.channel,
                                         publication.publication_id,
                                         publication.product.label if publication.product
                                         else ""))
            if publication.promotion_bs:
                who = ledger.users.get(publication.promotion_approved_by)
                promotions.append(PromotionLine(
                    publication.publication_id, publication.title, publication.type.label,
                    publication.promotion_bs, who.full_name if who
                    else publication.promotion_approved_by))
    outcomes: dict[int, Counter[Status]] = {}
    material: list[PublishedMaterial] = []
    for state in ledger.states.values():
        request = state.request
        closed = state.closed_at
        if state.status is Status.PUBLISHED and closed and start <= closed.date() <= end:
            published = trail(state.events).published
            if published is not None:
                material.append(PublishedMaterial(request.request_id, request.title, closed,
                                                  published.stamp.version,
                                                  published.stamp.sha256))
            channels = state.events[-1].payload().get("canales") or [UNKNOWN_CHANNEL]
            kind = _type_label(request.procedure, state.procedure.name)
            for channel in dict.fromkeys(str(c) for c in channels):
                lines.append(PublicationLine(closed, kind, request.title, channel,
                                             request.request_id,
                                             request.product.label if request.product
                                             else ""))
            if request.promotion_bs:
                promotions.append(PromotionLine(request.request_id, request.title, kind,
                                                request.promotion_bs,
                                                _de_approval(ledger, state)))
        if request.created_at.date() > end or (closed is not None and closed.date() < start):
            continue
        outcome = state.status if closed is not None and closed.date() <= end \
            else Status.IN_PROGRESS
        outcomes.setdefault(request.procedure, Counter())[outcome] += 1
    lines.sort(key=lambda line: (line.published_at, line.reference, line.channel))
    grouped = Counter((line.type_label, line.channel) for line in lines)
    names = {n: ledger.procedures.current(n).name for n in ledger.procedures.numbers()}
    procedures = sorted(set(names) | set(outcomes))
    moment = now or datetime.combine(today, datetime.max.time())
    questions = service_logs.questions(ledger)
    return ReportData(
        start=start, end=end, publications=tuple(lines),
        by_type_and_channel=tuple((t, c, n) for (t, c), n in sorted(grouped.items())),
        outcomes=tuple((_type_label(p, names.get(p, "")),
                        {s: outcomes.get(p, Counter())[s] for s in OUTCOMES})
                       for p in procedures),
        board=dashboard(ledger, calendar, today, DashboardFilter(start, end), visits),
        material=tuple(sorted(material, key=lambda m: (m.published_at, m.request_id))),
        questions=service_logs.answer_compliance(questions, start, end, moment),
        questions_in_hours=service_logs.answer_compliance(questions, start, end, moment,
                                                          hours=hours),
        hours_label=hours.label,
        crises=_crises_in(service_logs.incidents(ledger), start, end),
        deletions=tuple(sorted((o for o in ledger.all(DeletionOrder)
                                if start <= o.ordered_at.date() <= end),
                               key=lambda o: (o.ordered_at, o.order_id))),
        promotions=tuple(promotions),
        stats=tuple(sorted((s for (ref, _), s in statistics.latest(ledger).items()
                            if ref in {line.reference for line in lines}),
                           key=lambda s: (s.publication, s.channel))),
    )


def _de_approval(ledger: Ledger, state: RequestState) -> str:
    """Who gave the DE's word on a request (its stage in every procedure: 12.1 etapa 1,
    12.2 etapa 3, 12.3 etapa 2), which approves its paid promotion too; «» if none yet."""
    for event in state.events:
        if event.role == Role.DE.value:
            user = ledger.users.get(event.actor)
            return user.full_name if user else event.actor
    return ""
