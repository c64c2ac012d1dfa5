"""The app served by Streamlit on a Google Sheet held by the in-process stand-in.

``python tests/e2e/standin_app.py PORT`` (from the repository root; the e2e helper
:class:`e2e_helpers.SheetsServer` starts it): a stand-in Sheets/Drive server with the
demo ledger bootstrapped into one spreadsheet, the app configured for it exactly as a
deployment is (``RRSS_SHEETS_ID``, a service-account key, the ledger's key), and
``streamlit run app.py`` in this same process, so that the adapter's gspread client talks
to the stand-in.

A test makes Google ask the app to wait by creating the file named by
``RRSS_E2E_QUOTA_FILE``: from then on, the next ``spreadsheets.batchUpdate`` is answered
429 with ``Retry-After: RRSS_E2E_RETRY_AFTER`` seconds (default 6), once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def prepare() -> None:
    from support.fixed import TEST_KEY, TEST_SEALER
    from support.standin import Call, FakeSheetsServer, make_gspread_client

    import core.adapters.gsheets.adapter as adapter
    from core.adapters.gsheets.bootstrap import Bootstrap
    from core.adapters.tabular import written
    from core.domain.workdays import WorkCalendar
    from sheets_schema.demo import demo_rows
    from sheets_schema.tabs import ALL_TABS, SCHEMA
    from wiring import local_now

    server = FakeSheetsServer(seed=4)
    sid = server.create_spreadsheet("Libro RRSS (e2e)", ["Hoja 1"])
    client = make_gspread_client(server)
    tabs = written(SCHEMA, demo_rows(local_now(), WorkCalendar.for_bolivia(subdivision="L")),
                   TEST_SEALER)
    rows = {name: [dict(zip(raw.header, cells, strict=False)) for cells in raw.rows]
            for name, raw in tabs.items()}
    api = adapter.SheetsApi(client, sid, account_email=server.owner_email)
    report = Bootstrap(api, ALL_TABS, account_email=server.owner_email, seed=1).run(
        rows, demo=True)
    assert report.ok, report.problems
    server.reset_metrics()

    trigger = Path(os.environ["RRSS_E2E_QUOTA_FILE"])

    def quota_used_up(call: Call) -> bool:
        return call.operation == "spreadsheets.batchUpdate" and trigger.exists()

    server.inject(429, times=1, match=quota_used_up,
                  retry_after=int(os.environ.get("RRSS_E2E_RETRY_AFTER", "6")))
    adapter.make_client = lambda config: client  # type: ignore[assignment]
    os.environ.update({
        "RRSS_SHEETS_ID": sid,
        "RRSS_LEDGER_KEY": TEST_KEY,
        "RRSS_SERVICE_ACCOUNT_JSON": json.dumps({
            "type": "service_account", "client_email": server.owner_email,
            "private_key": "(no se usa con el stand-in)",
            "token_uri": "https://oauth2.googleapis.com/token"}),
    })


def main() -> None:
    from streamlit.web import bootstrap

    port = int(sys.argv[1])
    prepare()
    os.chdir(ROOT)
    flags = {"server.headless": True, "server.port": port,
             "browser.gatherUsageStats": False, "server.fileWatcherType": "none"}
    bootstrap.load_config_options(flag_options=flags)
    bootstrap.run(str(ROOT / "app.py"), False, [], flags)


if __name__ == "__main__":
    main()
