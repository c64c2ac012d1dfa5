"""The networks' statistics of each publication (core.services.statistics): typed by hand
or imported from a network's CSV export matched by link, the latest figures win, and the
Informe Técnico reports them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from core_helpers import NOW, count_rows

from core.adapters.memory import InMemoryRepository
from core.domain.errors import InvalidInput, NotAllowed
from core.domain.workdays import WorkCalendar
from core.services import statistics
from core.services.direct_publications import record_direct_publication
from core.services.reports import report_data

TODAY = NOW.date()
POST = "https://www.facebook.com/adsib.bo/posts/123"


def publish(repo: InMemoryRepository, title: str, channel: str, link: str) -> str:
    return record_direct_publication(repo, "admin.rrss", {
        "type": "4", "title": title, "channel": channel, "link": link,
        "published_at": NOW - timedelta(days=2)}, NOW)


def test_figures_typed_by_hand_are_kept_and_the_latest_measurement_wins(
        repo: InMemoryRepository) -> None:
    pid = publish(repo, "Fotos del taller", "Facebook", POST)
    for day, reach in ((TODAY - timedelta(days=1), 300), (TODAY, 450)):
        statistics.record_stats(repo, "editor", {
            "publication": pid, "channel": "Facebook", "reach": reach, "interactions": 20,
            "clicks": 5, "measured_on": day}, NOW)
    [figures] = statistics.latest(repo.snapshot().ledger).values()
    assert (figures.reach, figures.measured_on, figures.source) == (450, TODAY, "a mano")


def test_hand_entry_refuses_an_unknown_publication_a_future_day_and_no_figures(
        repo: InMemoryRepository) -> None:
    pid = publish(repo, "Fotos", "Facebook", POST)
    before = count_rows(repo)
    for form, message in [
        ({"publication": "PUB-X", "reach": 1}, "no es una publicación registrada"),
        ({"publication": pid, "reach": 1, "measured_on": TODAY + timedelta(days=1)},
         "en el futuro"),
        ({"publication": pid}, "Escriba al menos una cifra"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            statistics.record_stats(repo, "editor", {"channel": "Facebook",
                                                     "measured_on": TODAY} | form, NOW)
    with pytest.raises(NotAllowed):
        statistics.record_stats(repo, "solicitante", {
            "publication": pid, "channel": "Facebook", "reach": 1, "measured_on": TODAY}, NOW)
    assert count_rows(repo) == before


META_EXPORT = (
    "\ufeffIdentificador de la publicación;Enlace permanente;Alcance;Interacciones;"
    "Clics en el enlace\n"
    "1;https://facebook.com/adsib.bo/posts/123/?ref=share;1.234;56;7\n"
    "2;https://www.facebook.com/adsib.bo/posts/999;10;1;0\n"
    "3;https://m.facebook.com/adsib.bo/posts/777;abc;1;0\n"
)


def test_a_networks_csv_export_is_matched_to_publications_by_link(
        repo: InMemoryRepository) -> None:
    pid = publish(repo, "Fotos del taller", "Facebook", POST)
    publish(repo, "Otra", "Facebook", "https://www.facebook.com/adsib.bo/posts/777")
    preview = statistics.preview_import(repo.snapshot().ledger, META_EXPORT)
    [matched] = preview.matched
    assert (matched.publication, matched.reach, matched.interactions, matched.clicks) == (
        pid, 1234, 56, 7)
    problems = {row.line: row.problem for row in preview.unmatched}
    assert problems == {3: "el enlace no corresponde a ninguna publicación",
                        4: "«abc» no es un número entero"}
    statistics.import_stats(repo, "profesional", META_EXPORT, "meta-noviembre.csv", TODAY, NOW)
    [figures] = statistics.latest(repo.snapshot().ledger).values()
    assert (figures.publication, figures.reach, figures.source) == (
        pid, 1234, "importado de meta-noviembre.csv")


def test_an_export_without_links_or_figures_is_refused_saying_why(
        repo: InMemoryRepository) -> None:
    ledger = repo.snapshot().ledger
    with pytest.raises(InvalidInput, match="columna con el enlace"):
        statistics.preview_import(ledger, "Fecha,Alcance\n2026-03-01,10\n")
    with pytest.raises(InvalidInput, match="alcance, interacciones ni clics"):
        statistics.preview_import(ledger, "Permalink,Fecha\nhttps://x.com/a/1,2026-03-01\n")


def test_x_analytics_in_english_is_read_too(repo: InMemoryRepository) -> None:
    pid = publish(repo, "Hilo", "X (Twitter)", "https://x.com/adsib/status/42")
    text = ("Tweet id,Tweet permalink,Tweet text,time,impressions,engagements,url clicks\n"
            "42,https://x.com/adsib/status/42,Hola,2026-03-09,900,31,4\n")
    [row] = statistics.preview_import(repo.snapshot().ledger, text).matched
    assert (row.publication, row.channel, row.reach, row.interactions, row.clicks) == (
        pid, "X (Twitter)", 900, 31, 4)


def test_the_report_carries_the_latest_figures_of_the_periods_publications(
        repo: InMemoryRepository) -> None:
    pid = publish(repo, "Fotos del taller", "Facebook", POST)
    statistics.import_stats(repo, "profesional", META_EXPORT, "meta.csv", TODAY, NOW)
    data = report_data(repo.snapshot().ledger, WorkCalendar.for_bolivia(),
                       TODAY - timedelta(days=30), TODAY, TODAY)
    assert data.stats_totals == statistics.Totals(1, 1234, 56, 7)
    assert [s.publication for s in data.top_reach()] == [pid]
    outside = report_data(repo.snapshot().ledger, WorkCalendar.for_bolivia(),
                          date(2025, 1, 1), date(2025, 1, 31), TODAY)
    assert outside.stats == ()
