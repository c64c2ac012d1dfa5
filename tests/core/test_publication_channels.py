"""The publishing stage records where it published, and the Informe Técnico says so."""

from __future__ import annotations

import os
from datetime import timedelta

os.environ.setdefault("RRSS_BCRYPT_ROUNDS", "4")

from support.fixed import DEMO_NOW, TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import written
from core.domain.workdays import WorkCalendar
from core.services.reports import UNKNOWN_CHANNEL, report_data
from sheets_schema import default_rules
from sheets_schema.demo import demo_rows
from sheets_schema.tabs import SCHEMA

NOW = DEMO_NOW
CALENDAR = WorkCalendar.for_bolivia()


def demo_repo() -> InMemoryRepository:
    tabs = written(SCHEMA, demo_rows(NOW, CALENDAR), TEST_SEALER)
    return InMemoryRepository(tabs, SCHEMA, default_rules(), TEST_SEALER)


def test_the_publishing_event_keeps_the_channels_and_the_link():
    ledger = demo_repo().snapshot().ledger
    published = [s for s in ledger.states.values() if s.status.value == "publicada"]
    assert published, "the demo has a published request"
    payload = published[0].events[-1].payload()
    assert payload["canales"] == ["Facebook", "Instagram"]
    assert payload["enlace"] == "https://www.facebook.com/adsib.bo"


def test_the_report_lists_a_published_request_once_per_channel_it_used():
    ledger = demo_repo().snapshot().ledger
    state = next(s for s in ledger.states.values() if s.status.value == "publicada")
    data = report_data(ledger, CALENDAR, NOW.date() - timedelta(days=60), NOW.date(),
                       NOW.date())
    lines = [(p.channel, p.reference) for p in data.publications
             if p.reference == state.request.request_id]
    assert sorted(lines) == [("Facebook", state.request.request_id),
                             ("Instagram", state.request.request_id)]
    assert UNKNOWN_CHANNEL not in {p.channel for p in data.publications
                                   if p.reference == state.request.request_id}
