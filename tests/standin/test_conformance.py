"""Replay real gspread <-> Google recordings against the stand-in and compare the answers.

Each recording (from gspread's own test suite, see shared/reference/README.md) is replayed
request by request. Spreadsheet ids come from the stand-in's Drive "create" answers; sheet,
protected-range and named-range ids are learned by walking Google's answer next to the
stand-in's. Everything else must match: status codes, ranges as Google writes them, padded
or trimmed ``values``, counts, reply shapes, and error ``code``/``status``.

The same replay plays the recordings ``make live-check`` makes of this app's own traffic
(``tests/standin/live-recordings``, written by ``support.recorder``). Those run on a
scratch spreadsheet that existed before the recording: the replay recreates it from the
recording's first answer about it (its title, locale, time zone and tabs) and plays the
rest, the account being the recorder's stand-in address.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from support.recorder import ACCOUNT, FOLDER
from support.standin import FakeSheetsServer, make_session

REPO = Path(__file__).resolve().parents[2]
CANDIDATES = [
    REPO.parent / "shared" / "reference" / "sheets-api-recordings",
    Path("/work/shared/reference/sheets-api-recordings"),
]
RECORDINGS = next((p for p in CANDIDATES if p.is_dir()), None)
# The recordings' service account: Google lists it as the editor of protected ranges.
RECORDED_OWNER = "telegram-budgeter@telegram-budgeter.iam.gserviceaccount.com"

# Whole recordings that cannot be replayed, and why.
SKIP_RECORDINGS: dict[str, str] = {
    "ClientTest.test_openall": "lists and opens files that already existed in the recording "
    "account's Drive; their contents are not in the recording",
    "ClientTest.test_open_all_has_metadata": "same as test_openall: pre-existing Drive files",
    "ClientTest.test_list_spreadsheet_files": "lists pre-existing Drive files of the account",
}

# Files a recording touches without creating them: they exist in Google but are not shared
# with the recording account (gspread's test opens a private spreadsheet of another user).
UNSHARED_FILES: dict[str, list[str]] = {
    "ClientTest.test_access_private_spreadsheet": ["1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc"],
}

# (recording, operation, why): replay the request but do not compare the answer body.
# Status codes are still compared.
NO_COMPARE: list[tuple[str, str, str]] = [
    (
        "WorksheetTest.test_auto_resize_columns",
        "spreadsheets.get",
        "column widths after autoResizeDimensions come from Google's font metrics",
    ),
]

# Answers that depend on Google's load at the time (quota, back end), not on the request:
# a live recording may hold some; the replay skips them (the client retried anyway).
TRANSIENT = frozenset({429, 500, 502, 503, 504})

ID_KEYS = {
    "sheetId": "sheet",
    "sourceSheetId": "sheet",
    "newSheetId": "sheet",
    "protectedRangeId": "protected",
    "namedRangeId": "named",
}
DRIVE_KEYS = ("kind", "id", "name", "mimeType")
_SS_ID = re.compile(r"[A-Za-z0-9_-]{40,}")


def _recording_names() -> list[str]:
    if RECORDINGS is None:
        return []
    return sorted(p.stem for p in RECORDINGS.glob("*.json"))


def _operation(method: str, uri: str) -> str:
    path = uri.split("?")[0]
    if "/upload/drive/" in path:
        return "drive.files.import"
    if "www.googleapis.com/drive" in path:
        if path.endswith("/export"):
            return "drive.files.export"
        if path.endswith("/comments"):
            return "drive.comments.list"
        if path.endswith("/copy"):
            return "drive.files.copy"
        if path.endswith("/files"):
            return "drive.files.create" if method == "POST" else "drive.files.list"
        return "drive.files.delete" if method == "DELETE" else "drive.files.get"
    if ":batchUpdate" in path:
        return (
            "spreadsheets.values.batchUpdate"
            if "/values:" in path
            else ("spreadsheets.batchUpdate")
        )
    if "/values:batchGet" in path:
        return "spreadsheets.values.batchGet"
    if "/values:batchClear" in path:
        return "spreadsheets.values.batchClear"
    if "/values/" in path:
        if path.endswith(":append"):
            return "spreadsheets.values.append"
        if path.endswith(":clear"):
            return "spreadsheets.values.clear"
        return "spreadsheets.values.update" if method == "PUT" else "spreadsheets.values.get"
    return "spreadsheets.get"


class Replay:
    """Replays one recording and collects every difference found."""

    def __init__(self, name: str, owner: str = RECORDED_OWNER) -> None:
        self.name = name
        self.server = FakeSheetsServer(seed=1, owner_email=owner)
        self.session = make_session(self.server)
        self.file_ids: dict[str, str] = {}
        self.num_ids: dict[tuple[str, Any], Any] = {}
        self.problems: list[str] = []
        self.compared = 0
        self.transient = 0
        for file_id in UNSHARED_FILES.get(name, []):
            self.server.add_unshared_spreadsheet(file_id)
            self.file_ids[file_id] = file_id

    # -------------------------------------------------------------- id mapping

    def _map_text(self, text: str) -> str:
        for recorded, ours in self.file_ids.items():
            text = text.replace(recorded, ours)
        return text

    def _map_ids(self, value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                cls = ID_KEYS.get(k)
                if cls is not None and (cls, v) in self.num_ids:
                    out[k] = self.num_ids[(cls, v)]
                else:
                    out[k] = self._map_ids(v)
            return out
        if isinstance(value, list):
            return [self._map_ids(v) for v in value]
        if isinstance(value, str):
            return self._map_text(value)
        return value

    def _learn(self, recorded: Any, ours: Any) -> None:
        if isinstance(recorded, dict) and isinstance(ours, dict):
            for k, v in recorded.items():
                if k not in ours:
                    continue
                cls = ID_KEYS.get(k)
                if cls is not None and not isinstance(v, dict | list):
                    self.num_ids.setdefault((cls, v), ours[k])
                else:
                    self._learn(v, ours[k])
        elif isinstance(recorded, list) and isinstance(ours, list):
            for a, b in zip(recorded, ours, strict=False):
                self._learn(a, b)

    # -------------------------------------------------------------- comparison

    def _diff(self, recorded: Any, ours: Any, path: str = "$") -> str | None:
        if isinstance(recorded, dict) and isinstance(ours, dict):
            for key in sorted(set(recorded) | set(ours)):
                if key not in ours:
                    return f"{path}.{key}: missing (Google: {json.dumps(recorded[key])[:120]})"
                if key not in recorded:
                    return f"{path}.{key}: unexpected {json.dumps(ours[key])[:120]}"
                found = self._diff(recorded[key], ours[key], f"{path}.{key}")
                if found:
                    return found
            return None
        if isinstance(recorded, list) and isinstance(ours, list):
            if len(recorded) != len(ours):
                return (
                    f"{path}: {len(ours)} items, Google has {len(recorded)}: "
                    f"{json.dumps(recorded)[:160]} vs {json.dumps(ours)[:160]}"
                )
            for i, (a, b) in enumerate(zip(recorded, ours, strict=True)):
                found = self._diff(a, b, f"{path}[{i}]")
                if found:
                    return found
            return None
        numbers = all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in (recorded, ours)
        )
        if recorded != ours or (type(recorded) is not type(ours) and not numbers):
            return f"{path}: {json.dumps(ours)[:120]} (Google: {json.dumps(recorded)[:120]})"
        return None

    def _normalise(self, op: str, body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        if "error" in body:
            err = body["error"]
            return {"error": {k: err.get(k) for k in ("code", "status") if k in err}}
        if op.startswith("drive."):
            out = {k: body[k] for k in DRIVE_KEYS if k in body}
            if "files" in body:
                out["files"] = [f.get("name") for f in body["files"]]
            if "comments" in body:
                out["comments"] = body["comments"]
            return out
        return body

    # -------------------------------------------------------------- replay

    def run(self, interactions: list[dict[str, Any]]) -> None:
        for index, interaction in enumerate(interactions):
            self._one(index, interaction)

    def recreate_scratch_files(self, interactions: list[dict[str, Any]]) -> None:
        """Files used before any answer of the recording creates them (a live recording's
        scratch spreadsheet): made as the first answer about each describes it."""
        created: set[str] = set()
        for interaction in interactions:
            req, rec = interaction["request"], interaction["response"]
            op = _operation(req["method"].upper(), req["uri"])
            try:
                body = json.loads(rec["body"]["string"] or "null")
            except ValueError:
                body = None
            if op in ("drive.files.create", "drive.files.copy") and isinstance(body, dict):
                created.add(str(body.get("id", "")))
                continue
            for file_id in _SS_ID.findall(req["uri"]):
                if file_id in created or file_id in self.file_ids:
                    continue
                if op != "spreadsheets.get" or rec["status"]["code"] != 200 or \
                        not isinstance(body, dict) or "sheets" not in body:
                    continue  # left for the replay to report
                props = body.get("properties") or {}
                self.server.create_spreadsheet(
                    props.get("title", "Hoja"),
                    [{"title": sh["properties"]["title"],
                      "sheetId": sh["properties"].get("sheetId", 0)}
                     for sh in body["sheets"]],
                    spreadsheet_id=file_id, locale=props.get("locale", "en_US"),
                    time_zone=props.get("timeZone", "Etc/GMT"))
                self.file_ids[file_id] = file_id

    def _one(self, index: int, interaction: dict[str, Any]) -> None:
        req, rec = interaction["request"], interaction["response"]
        if rec["status"]["code"] in TRANSIENT:
            self.transient += 1  # Google's load, not the request: nothing to replay
            return
        method = req["method"].upper()
        op = _operation(method, req["uri"])
        uri = self._map_text(req["uri"])
        unknown = [i for i in _SS_ID.findall(uri) if i not in self.file_ids.values()]
        if unknown:
            self.problems.append(
                f"#{index} {method} {uri}: refers to a file the recording did not create"
            )
            return
        body = req.get("body")
        headers = {
            k: v[0] for k, v in (req.get("headers") or {}).items() if k.lower() == "content-type"
        }
        data: bytes | None = None
        if body is not None:
            if headers.get("Content-Type", "").startswith("application/json"):
                body = json.dumps(self._map_ids(json.loads(body)))
            data = body.encode("utf-8")
        resp = self.session.request(method, uri, data=data, headers=headers)
        where = f"#{index} {method} {op} {req['uri'].split('googleapis.com')[-1][:90]}"
        if resp.status_code != rec["status"]["code"]:
            self.problems.append(
                f"{where}: status {resp.status_code} (Google: {rec['status']['code']}) "
                f"{resp.text[:300]}"
            )
            return
        self.compared += 1
        rec_text = rec["body"]["string"]
        try:
            recorded = json.loads(rec_text) if rec_text else None
        except ValueError:
            recorded = rec_text
        try:
            ours = resp.json() if resp.content else None
        except ValueError:
            ours = resp.text
        if op in ("drive.files.create", "drive.files.copy") and isinstance(recorded, dict):
            self.file_ids[recorded["id"]] = ours["id"]
        self._learn(recorded, ours)
        if any(self.name == r and op == o for r, o, _ in NO_COMPARE):
            return
        expected = self._normalise(op, self._map_ids(recorded))
        found = self._diff(expected, self._normalise(op, ours))
        if found:
            self.problems.append(f"{where}: {found}")


def replay_live(path: Path) -> Replay:
    """Replay one of this app's live recordings (see the module docstring)."""
    interactions = json.loads(path.read_text(encoding="utf-8"))["interactions"]
    replay = Replay(path.stem, owner=ACCOUNT)
    replay.recreate_scratch_files(interactions)
    replay.run(interactions)
    return replay


def _live_recordings() -> list[Path | None]:
    return sorted(FOLDER.glob("*.json")) or [None]


@pytest.mark.parametrize("path", _live_recordings(),
                         ids=lambda p: p.stem if isinstance(p, Path) else "none")
def test_live_recording(path: Path | None) -> None:
    """One recording of this app against real Google (``make live-check``): every answer
    the stand-in gives matches Google's."""
    if path is None:
        pytest.skip("no live recordings yet: `make live-check` with credentials makes them")
    replay = replay_live(path)
    assert replay.compared, f"{path.name}: nothing was compared"
    assert not replay.problems, f"{path.name}: {len(replay.problems)} differences\n" + \
        "\n".join(replay.problems[:8])


@pytest.mark.skipif(RECORDINGS is None, reason="shared/reference recordings not present")
@pytest.mark.parametrize("name", _recording_names())
def test_recording(name: str) -> None:
    """One recording: every replayed answer matches Google's (modulo ids and times)."""
    if name in SKIP_RECORDINGS:
        pytest.skip(SKIP_RECORDINGS[name])
    assert RECORDINGS is not None
    interactions = json.loads((RECORDINGS / f"{name}.json").read_text())["interactions"]
    replay = Replay(name)
    replay.run(interactions)
    assert not replay.problems, f"{name}: {len(replay.problems)} differences\n" + "\n".join(
        replay.problems[:8]
    )
