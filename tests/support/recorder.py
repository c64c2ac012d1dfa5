"""Recording the traffic between the app and Google, in the format of the reference
recordings (``shared/reference/sheets-api-recordings``, gspread's cassettes).

``make live-check`` runs the contract suite against a real spreadsheet with a
:class:`Recorder` on the client's session; each test's traffic becomes one file
``<test module>.<test name>.json`` in ``tests/standin/live-recordings``, which the
conformance replay (``tests/standin/test_conformance.py``) plays against the stand-in.

A file is ``{"version": 1, "interactions": [{"request": {"method", "uri", "body",
"headers"}, "response": {"status": {"code", "message"}, "headers", "body": {"string"}}},
…]}``, in the order the answers arrived. Nothing secret is kept: the access token becomes
``<ACCESS_TOKEN>`` as in the reference; the service account's address and the scratch
spreadsheet's id become fixed stand-ins (:data:`ACCOUNT`, :data:`SPREADSHEET`), so a
recording names no real account or file and the replay can recreate the file. Calls to
anything but the Sheets and Drive APIs (the OAuth token exchange) are not recorded.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

ACCOUNT = "cuenta-de-servicio@proyecto-rrss.iam.gserviceaccount.com"
SPREADSHEET = "hoja-de-prueba-en-vivo-0000000000000000000000"
API_HOSTS = ("sheets.googleapis.com", "www.googleapis.com")
FOLDER = Path(__file__).resolve().parents[1] / "standin" / "live-recordings"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def file_name(test_id: str) -> str:
    """``tests/adapters/test_contract.py::test_x[live]`` -> ``test_contract.test_x.json``."""
    path, _, name = test_id.partition("::")
    name = name.replace("[live]", "")
    return _UNSAFE.sub("_", f"{Path(path).stem}.{name}").strip("_") + ".json"


class Recorder:
    """Collects every Sheets/Drive answer a ``requests.Session`` receives."""

    def __init__(self, account_email: str = "", spreadsheet_id: str = "") -> None:
        self.replacements = [(old, new) for old, new in ((account_email, ACCOUNT),
                                                         (spreadsheet_id, SPREADSHEET))
                             if old]
        self.interactions: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    # -- attaching ------------------------------------------------------------------------

    @contextmanager
    def attached(self, session: requests.Session) -> Iterator[Recorder]:
        """Record what ``session`` sends while the block runs."""
        hooks = session.hooks.setdefault("response", [])
        hooks.append(self._hook)
        try:
            yield self
        finally:
            hooks.remove(self._hook)

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        if not any(host in (request.url or "") for host in API_HOSTS):
            return
        interaction = {
            "request": {
                "method": request.method,
                "uri": self._clean(request.url or ""),
                "body": self._clean(_text(request.body)) if request.body is not None else None,
                "headers": self._headers(request.headers, redact=True),
            },
            "response": {
                "status": {"code": response.status_code, "message": response.reason or ""},
                "headers": self._headers(response.headers, redact=False),
                "body": {"string": self._clean(response.text)},
            },
        }
        with self._lock:
            self.interactions.append(interaction)

    # -- writing --------------------------------------------------------------------------

    def recording(self) -> dict[str, Any]:
        with self._lock:
            return {"version": 1, "interactions": list(self.interactions)}

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.recording(), ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
        return path

    # -- cleaning -------------------------------------------------------------------------

    def _clean(self, text: str) -> str:
        for old, new in self.replacements:
            text = text.replace(old, new)
            quoted = requests.utils.quote(old, safe="")
            if quoted != old:
                text = text.replace(quoted, requests.utils.quote(new, safe=""))
        return text

    def _headers(self, headers: Mapping[str, Any], *, redact: bool) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in headers.items():
            if redact and name.lower() == "authorization":
                out["authorization"] = ["<ACCESS_TOKEN>"]
                continue
            out[name] = [self._clean(str(value))]
        return out


def _text(body: bytes | str) -> str:
    return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
