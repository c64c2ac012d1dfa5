"""Fault injection (429/500/503, timeouts before/after applying), metering and quotas."""

from __future__ import annotations

import gspread
import pytest
import requests
from standin_helpers import BASE, append
from support.standin import FakeSheetsServer, QuotaLimits


def test_injected_429_has_googles_body(gc, server: FakeSheetsServer, sid: str) -> None:
    ws = gc.open_by_key(sid).sheet1
    server.inject(status=429, times=1)
    with pytest.raises(gspread.exceptions.APIError) as info:
        ws.get_all_values()
    body = info.value.response.json()["error"]
    assert body["code"] == 429 and body["status"] == "RESOURCE_EXHAUSTED"
    assert body["message"].startswith("Quota exceeded for quota metric 'Read requests'")
    assert ws.get_all_values() == [[]]  # only one failure was injected (gspread pads)


def test_write_429_names_the_write_quota(session, sid, server) -> None:
    server.inject(429, match="write")
    r = append(session, sid, "Sheet1", [["a"]])
    assert "'Write requests'" in r.json()["error"]["message"]
    assert server.values(sid, "Sheet1") == []


@pytest.mark.parametrize(("status", "name"), [(500, "INTERNAL"), (503, "UNAVAILABLE")])
def test_injected_server_errors(session, sid, server, status: int, name: str) -> None:
    server.inject(status=status, times=2, match="values.append")
    assert session.get(f"{BASE}/{sid}/values/Sheet1").status_code == 200  # not matched
    for _ in range(2):
        r = append(session, sid, "Sheet1", [["a"]])
        assert r.status_code == status
        assert r.json()["error"]["status"] == name
    assert append(session, sid, "Sheet1", [["a"]]).status_code == 200
    assert server.values(sid, "Sheet1") == [["a"]]


def test_match_callable(session, sid, server) -> None:
    server.inject(503, match=lambda call: call.method == "PUT")
    assert append(session, sid, "Sheet1", [["a"]]).status_code == 200
    r = session.put(
        f"{BASE}/{sid}/values/Sheet1!A1",
        params={"valueInputOption": "RAW"},
        json={"values": [["b"]]},
    )
    assert r.status_code == 503


def test_timeout_before_apply_changes_nothing(session, sid, server) -> None:
    server.inject_timeout(times=1, after_apply=False)
    with pytest.raises(requests.exceptions.ReadTimeout):
        append(session, sid, "Sheet1", [["a"]])
    assert server.values(sid, "Sheet1") == []
    assert server.calls[-1].status is None


def test_timeout_after_apply_is_the_dangerous_case(gc, sid, server) -> None:
    ws = gc.open_by_key(sid).sheet1
    server.inject_timeout(times=1, after_apply=True, match="values.append")
    with pytest.raises(requests.exceptions.ReadTimeout):
        ws.append_row(["order-1"])
    # Google did it; the client never heard. A blind retry duplicates the row.
    assert server.values(sid, "Sheet1") == [["order-1"]]
    ws.append_row(["order-1"])
    assert server.values(sid, "Sheet1") == [["order-1"], ["order-1"]]


def test_call_counting(gc, sid, server) -> None:
    sh = gc.open_by_key(sid)
    ws = sh.sheet1
    server.reset_metrics()
    ws.append_row(["a"])  # write
    ws.get_all_values()  # read
    sh.values_batch_get(["Sheet1!A1", "Sheet1!B1"])  # one read
    ws.batch_update([{"range": "B1", "values": [["b"]]}])  # one write
    assert (server.read_calls, server.write_calls) == (2, 2)
    assert [c.operation for c in server.calls] == [
        "spreadsheets.values.append",
        "spreadsheets.values.get",
        "spreadsheets.values.batchGet",
        "spreadsheets.values.batchUpdate",
    ]
    method, path, query = server.calls[2][:3]
    assert (method, path) == ("GET", f"/v4/spreadsheets/{sid}/values:batchGet")
    assert query == {"ranges": ["Sheet1!A1", "Sheet1!B1"]}
    assert all(c.status == 200 for c in server.calls)


def test_quota_per_minute_with_a_fake_clock() -> None:
    now = [1000.0]
    server = FakeSheetsServer(clock=lambda: now[0], quota_per_minute=QuotaLimits(read=2, write=1))
    sid = server.create_spreadsheet()
    from support.standin import make_session

    s = make_session(server)
    assert s.get(f"{BASE}/{sid}/values/Sheet1").status_code == 200
    assert s.get(f"{BASE}/{sid}/values/Sheet1").status_code == 200
    assert s.get(f"{BASE}/{sid}/values/Sheet1").status_code == 429
    assert append(s, sid, "Sheet1", [["a"]]).status_code == 200  # writes have their own quota
    assert append(s, sid, "Sheet1", [["b"]]).status_code == 429
    now[0] += 61
    assert s.get(f"{BASE}/{sid}/values/Sheet1").status_code == 200
    assert append(s, sid, "Sheet1", [["b"]]).status_code == 200
    assert server.values(sid, "Sheet1") == [["a"], ["b"]]


def test_deleted_and_unshared_files_answer_403(session, server, sid) -> None:
    server.delete_spreadsheet(sid)
    r = session.get(f"{BASE}/{sid}")
    assert r.status_code == 403
    assert r.json()["error"] == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }
