"""The networks' own statistics of each publication (manual 5 b–d: «ver estadísticas»).

Reach, interactions and clicks come from the social networks' tools: the team types them
for a publication, or imports the CSV the network exports (Meta Business Suite, X
Analytics, LinkedIn, YouTube Studio, ...), whose rows are matched to the app's
publications by their link. Each row is a measurement on a day; the figures of a
publication on a channel are its latest measurement (the networks report running totals).

Interpretations: «ver estadísticas» are the networks' figures; the social-media team
(Administrador Principal, editors, moderators) and the promotion professional, who writes
the Informe Técnico, record them. A CSV row whose link matches no publication is listed
and left out; nothing is guessed.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.domain.errors import InvalidInput
from core.domain.ledger import Ledger
from core.domain.models import PublicationStats, Status
from core.domain.permissions import Capability
from core.domain.ports import Change, Repository
from core.services.common import current_user, form_error, system_event

MAX_IMPORT_ROWS = 5_000
FIELD_LABELS = {"publication": "Publicación", "channel": "Canal", "reach": "Alcance",
                "interactions": "Interacciones", "clicks": "Clics",
                "measured_on": "Medido el"}

# Header words the networks' exports use (lower case, without accents).
LINK_HEADERS = ("enlace permanente", "permalink", "tweet permalink", "post link",
                "enlace de la publicacion", "enlace", "link", "url", "post url",
                "enlace del video", "video url")
REACH_HEADERS = ("alcance", "reach", "personas alcanzadas", "impresiones", "impressions",
                 "visualizaciones", "views", "reproducciones")
INTERACTION_HEADERS = ("interacciones", "engagements", "interactions", "engagement",
                       "reacciones, comentarios y veces que se compartio",
                       "reactions, comments and shares", "me gusta y reacciones")
CLICK_HEADERS = ("clics en el enlace", "link clicks", "url clicks", "clics", "clicks",
                 "clics en enlaces", "clicks on link")
CHANNEL_HEADERS = ("red", "red social", "canal", "channel", "network", "plataforma")


@dataclass(frozen=True)
class Published:
    """A publication the app knows: a published request or a direct publication."""

    reference: str
    title: str
    channels: tuple[str, ...]
    link: str


def published_items(ledger: Ledger) -> list[Published]:
    """Every publication with where it went and its link, newest first."""
    found: list[tuple[datetime, Published]] = []
    for state in ledger.states.values():
        if state.status is not Status.PUBLISHED or not state.events:
            continue
        data = state.events[-1].payload()
        found.append((state.events[-1].at, Published(
            state.request.request_id, state.request.title,
            tuple(str(c) for c in data.get("canales") or ()), str(data.get("enlace", "")))))
    for publication in ledger.direct_publications:
        found.append((publication.published_at, Published(
            publication.publication_id, publication.title, (publication.channel,),
            publication.link)))
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _, item in found]


def normalize_link(link: str) -> str:
    """A link as it is compared: no scheme, «www.», query, fragment or trailing slash."""
    text = link.strip()
    if not text:
        return ""
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = parts.netloc.lower().removeprefix("www.").removeprefix("m.")
    return f"{host}{parts.path.rstrip('/')}"


def latest(ledger: Ledger) -> dict[tuple[str, str], PublicationStats]:
    """The latest measurement of each publication on each channel."""
    found: dict[tuple[str, str], PublicationStats] = {}
    for record in ledger.all(PublicationStats):
        key = (record.publication, record.channel.casefold())
        if key not in found or record.measured_on >= found[key].measured_on:
            found[key] = record
    return found


@dataclass(frozen=True)
class Totals:
    publications: int
    reach: int
    interactions: int
    clicks: int


def totals(records: Iterable[PublicationStats]) -> Totals:
    chosen = list(records)
    return Totals(len({r.publication for r in chosen}), sum(r.reach or 0 for r in chosen),
                  sum(r.interactions or 0 for r in chosen), sum(r.clicks or 0 for r in chosen))


# -- recording by hand ------------------------------------------------------------------------


class StatsForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    publication: str = Field(min_length=1)
    channel: str = Field(min_length=1, max_length=200)
    reach: int | None = Field(default=None, ge=0)
    interactions: int | None = Field(default=None, ge=0)
    clicks: int | None = Field(default=None, ge=0)
    measured_on: date


def _recorder(ledger: Ledger, username: str) -> None:
    ledger.permissions.require(current_user(ledger, username), Capability.RECORD_STATISTICS)


def new_stats_id(now: datetime) -> str:
    return f"EST-{now:%Y%m%d}-{secrets.token_hex(4).upper()}"


def record_stats(repo: Repository, username: str, form: Mapping[str, object],
                 now: datetime) -> str:
    """Record the networks' figures of one publication on one channel."""
    try:
        data = StatsForm.model_validate(dict(form))
    except ValidationError as exc:
        raise form_error(exc, FIELD_LABELS) from None
    if data.reach is None and data.interactions is None and data.clicks is None:
        raise InvalidInput("Escriba al menos una cifra: alcance, interacciones o clics.")
    if data.measured_on > now.date():
        raise InvalidInput("Medido el: la fecha no puede estar en el futuro.")
    ledger = repo.snapshot().ledger
    _recorder(ledger, username)
    actor = current_user(ledger, username)
    role = ledger.permissions.require(actor, Capability.RECORD_STATISTICS)
    known = {p.reference: p for p in published_items(ledger)}
    if data.publication not in known:
        raise InvalidInput(f"Publicación: «{data.publication}» no es una publicación "
                           "registrada (solicitud publicada o publicación directa).")
    stats_id = new_stats_id(now)
    record = PublicationStats(
        stats_id=stats_id, publication=data.publication, channel=data.channel,
        link=known[data.publication].link, reach=data.reach,
        interactions=data.interactions, clicks=data.clicks, measured_on=data.measured_on,
        source="a mano", recorded_by=username)
    change = Change(guard=lambda fresh: _recorder(fresh, username),
                    summary=f"estadísticas {data.publication}")
    change.add(record, system_event(ledger, data.publication, "registrar_estadisticas", actor,
                                    role, now, f"{data.channel}: {data.reach or 0} de alcance"))
    repo.commit(change)
    return stats_id


# -- importing the networks' CSV exports --------------------------------------------------------


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    plain = [_plain(h) for h in header]
    for name in names:
        if name in plain:
            return plain.index(name)
    for name in names:  # «Alcance de la publicación», «Link clicks (unique)», ...
        for index, cell in enumerate(plain):
            if cell.startswith(name):
                return index
    return None


_NUMBER = re.compile(r"^\d{1,3}([.,\s]\d{3})*$|^\d+$")


def _count(text: str) -> int | None:
    value = text.strip()
    if not value or value in ("-", "—"):
        return None
    if not _NUMBER.match(value):
        raise ValueError(f"«{value}» no es un número entero")
    return int(re.sub(r"[.,\s]", "", value))


@dataclass(frozen=True)
class ImportRow:
    line: int
    link: str
    publication: str  # «» when unmatched
    channel: str
    reach: int | None
    interactions: int | None
    clicks: int | None
    problem: str = ""


@dataclass(frozen=True)
class ImportPreview:
    rows: tuple[ImportRow, ...]

    @property
    def matched(self) -> list[ImportRow]:
        return [r for r in self.rows if r.publication and not r.problem]

    @property
    def unmatched(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.publication or r.problem]


def _channel_of(link: str) -> str:
    host = normalize_link(link).split("/")[0]
    for needle, name in (("facebook", "Facebook"), ("fb.", "Facebook"),
                         ("instagram", "Instagram"), ("twitter", "X (Twitter)"),
                         ("x.com", "X (Twitter)"), ("youtube", "YouTube"),
                         ("youtu.be", "YouTube"), ("tiktok", "TikTok"),
                         ("linkedin", "LinkedIn")):
        if needle in host:
            return name
    return "Sitio web"


def preview_import(ledger: Ledger, text: str) -> ImportPreview:
    """Read a network's CSV export and match its rows to publications by link."""
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), dialect))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InvalidInput("El archivo está vacío.")
    header = rows[0]
    link_at = _column(header, LINK_HEADERS)
    if link_at is None:
        raise InvalidInput("El archivo no tiene una columna con el enlace de cada publicación "
                           "(«Enlace permanente», «Permalink», «URL»…): no se puede saber a "
                           "qué publicación corresponde cada fila.")
    reach_at = _column(header, REACH_HEADERS)
    interactions_at = _column(header, INTERACTION_HEADERS)
    clicks_at = _column(header, CLICK_HEADERS)
    channel_at = _column(header, CHANNEL_HEADERS)
    if reach_at is None and interactions_at is None and clicks_at is None:
        raise InvalidInput("El archivo no tiene columnas de alcance, interacciones ni clics.")
    if len(rows) - 1 > MAX_IMPORT_ROWS:
        raise InvalidInput(f"El archivo tiene más de {MAX_IMPORT_ROWS} filas; divídalo.")
    by_link = {normalize_link(p.link): p for p in published_items(ledger) if p.link}

    def cell(row: list[str], at: int | None) -> str:
        return row[at] if at is not None and at < len(row) else ""

    found = []
    for line, row in enumerate(rows[1:], start=2):
        link = cell(row, link_at).strip()
        match = by_link.get(normalize_link(link))
        channel = cell(row, channel_at).strip() or (
            match.channels[0] if match and len(match.channels) == 1 else _channel_of(link))
        try:
            numbers = (_count(cell(row, reach_at)), _count(cell(row, interactions_at)),
                       _count(cell(row, clicks_at)))
            problem = "" if match else "el enlace no corresponde a ninguna publicación"
        except ValueError as error:
            numbers, problem = (None, None, None), str(error)
        found.append(ImportRow(line, link, match.reference if match else "", channel,
                               *numbers, problem=problem))
    return ImportPreview(tuple(found))


def import_stats(repo: Repository, username: str, text: str, filename: str, measured_on: date,
                 now: datetime) -> ImportPreview:
    """Record every matched row of a network's export (one change); returns what was read."""
    if measured_on > now.date():
        raise InvalidInput("Medido el: la fecha no puede estar en el futuro.")
    ledger = repo.snapshot().ledger
    actor = current_user(ledger, username)
    role = ledger.permissions.require(actor, Capability.RECORD_STATISTICS)
    preview = preview_import(ledger, text)
    if not preview.matched:
        raise InvalidInput("Ninguna fila del archivo corresponde a una publicación registrada "
                           "(se comparan los enlaces).")
    name = filename.strip()[:200] or "archivo CSV"
    change = Change(guard=lambda fresh: _recorder(fresh, username),
                    summary=f"importar estadísticas {name}")
    for row in preview.matched:
        change.add(PublicationStats(
            stats_id=new_stats_id(now), publication=row.publication, channel=row.channel,
            link=row.link, reach=row.reach, interactions=row.interactions, clicks=row.clicks,
            measured_on=measured_on, source=f"importado de {name}", recorded_by=username))
    change.add(system_event(ledger, f"estadisticas:{measured_on.isoformat()}",
                            "importar_estadisticas", actor, role, now,
                            f"{name}: {len(preview.matched)} fila(s) registradas, "
                            f"{len(preview.unmatched)} sin publicación"))
    repo.commit(change)
    return preview
