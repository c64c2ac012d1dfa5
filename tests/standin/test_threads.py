"""Concurrency: requests on one spreadsheet are serialised, so concurrent appends lose nothing."""

from __future__ import annotations

import threading

from support.standin import FakeSheetsServer, make_gspread_client


def test_concurrent_appends_from_several_clients_lose_nothing() -> None:
    server = FakeSheetsServer(seed=3)
    sid = server.create_spreadsheet("Log", [{"title": "Log", "values": [["who", "n"]]}])
    threads_n, per_thread = 6, 15
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def worker(name: str) -> None:
        try:
            ws = make_gspread_client(server).open_by_key(sid).worksheet("Log")
            start.wait()
            for i in range(per_thread):
                ws.append_row([name, str(i)])
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"t{k}",)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    rows = server.values(sid, "Log")
    assert rows[0] == ["who", "n"]
    body = rows[1:]
    assert len(body) == threads_n * per_thread
    assert sorted(map(tuple, body)) == sorted(
        (f"t{k}", str(i)) for k in range(threads_n) for i in range(per_thread)
    )
    # Each thread's rows keep their own order (appends are applied one at a time).
    for k in range(threads_n):
        mine = [int(n) for who, n in body if who == f"t{k}"]
        assert mine == sorted(mine)
    assert server.write_calls == threads_n * per_thread


def test_concurrent_batch_updates_are_atomic() -> None:
    server = FakeSheetsServer(seed=4)
    sid = server.create_spreadsheet("T", ["Sheet1"])
    gc = make_gspread_client(server)
    sh = gc.open_by_key(sid)

    def add(k: int) -> None:
        sh.batch_update(
            {
                "requests": [
                    {"addSheet": {"properties": {"title": f"S{k}"}}},
                    {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1}},
                ]
            }
        )

    threads = [threading.Thread(target=add, args=(k,)) for k in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    titles = [s["properties"]["title"] for s in server.metadata(sid)["sheets"]]
    assert sorted(titles) == sorted(["Sheet1", *[f"S{k}" for k in range(10)]])
    assert server.sheet_properties(sid, "Sheet1")["gridProperties"]["rowCount"] == 1010
