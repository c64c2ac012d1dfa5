"""Per-minute quotas per user (per project) and per project, with Google's 429 bodies."""

from __future__ import annotations

import pytest
from standin_helpers import BASE, append
from support.standin import FakeSheetsServer, QuotaLimits, make_gspread_client, make_session

ANA, BETO, CARLA = "ana@adsib.gob.bo", "beto@adsib.gob.bo", "carla@adsib.gob.bo"


@pytest.fixture
def clocked() -> tuple[FakeSheetsServer, list[float], str]:
    now = [1000.0]
    server = FakeSheetsServer(
        clock=lambda: now[0],
        quota_per_minute=QuotaLimits(read=2, write=1, project_read=3, project_write=5),
    )
    sid = server.create_spreadsheet()
    for who in (ANA, BETO, CARLA):
        server.share(sid, who)
    return server, now, sid


def _read(server: FakeSheetsServer, sid: str, who: str, project: str = "111111111111"):
    return make_session(server, as_email=who, project=project).get(f"{BASE}/{sid}/values/Sheet1")


def test_google_default_limits() -> None:
    assert QuotaLimits() == (60, 60, 300, 300, False)


def test_each_user_has_their_own_per_minute_quota(clocked) -> None:
    server, _, sid = clocked
    assert [_read(server, sid, ANA).status_code for _ in range(3)] == [200, 200, 429]
    assert _read(server, sid, BETO).status_code == 200
    body = _read(server, sid, ANA).json()["error"]
    assert body == {
        "code": 429,
        "message": "Quota exceeded for quota metric 'Read requests' and limit 'Read requests "
        "per minute per user' of service 'sheets.googleapis.com' for consumer "
        "'project_number:111111111111'.",
        "status": "RESOURCE_EXHAUSTED",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "quota_metric": "sheets.googleapis.com/read_requests",
                    "quota_limit": "ReadRequestsPerMinutePerUser",
                    "service": "sheets.googleapis.com",
                    "consumer": "projects/111111111111",
                    "quota_location": "global",
                    "quota_unit": "1/min/{project}/{user}",
                    "quota_limit_value": "2",
                },
            }
        ],
    }


def test_the_project_quota_spans_its_users(clocked) -> None:
    server, now, sid = clocked
    assert _read(server, sid, ANA).status_code == 200
    assert _read(server, sid, BETO).status_code == 200
    assert _read(server, sid, CARLA).status_code == 200
    r = _read(server, sid, CARLA)  # Carla's own quota has room; the project's has not
    assert r.status_code == 429
    err = r.json()["error"]
    assert "limit 'Read requests per minute' of service" in err["message"]
    assert err["details"][0]["metadata"]["quota_limit"] == "ReadRequestsPerMinutePerProject"
    assert _read(server, sid, CARLA, project="222222222222").status_code == 200
    now[0] += 60.5
    assert _read(server, sid, CARLA).status_code == 200


def test_writes_have_their_own_quotas(clocked) -> None:
    server, _, sid = clocked
    s = make_session(server, as_email=ANA, project="111111111111")
    assert append(s, sid, "Sheet1", [["a"]]).status_code == 200
    r = append(s, sid, "Sheet1", [["b"]])
    assert r.status_code == 429
    assert "'Write requests per minute per user'" in r.json()["error"]["message"]
    assert s.get(f"{BASE}/{sid}/values/Sheet1").status_code == 200


def test_no_retry_after_header_unless_asked(clocked) -> None:
    server, now, sid = clocked
    for _ in range(2):
        _read(server, sid, ANA)
    assert "Retry-After" not in _read(server, sid, ANA).headers
    server.quota_per_minute = QuotaLimits(read=2, retry_after=True)
    now[0] += 20
    r = _read(server, sid, ANA)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "40"


def test_the_older_tuple_form_is_still_accepted() -> None:
    server = FakeSheetsServer(quota_per_minute=(1, 1))
    sid = server.create_spreadsheet()
    s = make_session(server)
    assert [s.get(f"{BASE}/{sid}").status_code for _ in range(2)] == [200, 429]


def test_calls_record_who_called(clocked) -> None:
    server, _, sid = clocked
    make_gspread_client(server, as_email=BETO).open_by_key(sid)
    _read(server, sid, ANA)
    assert [c.caller for c in server.calls] == [BETO, ANA]
    assert server.calls[0].operation == "spreadsheets.get"
