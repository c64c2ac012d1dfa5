"""``make live-check``: the contract suite against a real Google Sheet, recorded.

Needs, in the environment:

- ``RRSS_LIVE_SHEETS_ID``: a scratch spreadsheet shared with the service account as
  Editor. It is ERASED and filled with the demo ledger for every test;
- ``RRSS_SERVICE_ACCOUNT_FILE`` (path of the JSON key) or ``RRSS_SERVICE_ACCOUNT_JSON``
  (its text);
- optionally ``RRSS_LIVE_DRIVE_FOLDER_ID`` (a folder of a shared drive) for the material's
  Drive tests, which run but are not recorded.

Runs ``pytest -m live tests/adapters`` with ``RRSS_LIVE_RECORD`` set, so each test's
traffic is written to ``tests/standin/live-recordings`` (``tests/support/recorder.py``),
then replays those recordings against the stand-in
(``tests/standin/test_conformance.py::test_live_recording``). Without credentials it says
what to set and stops without checking anything (exit status 0).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tests" / "standin" / "live-recordings"


def missing(env: dict[str, str]) -> list[str]:
    """What the live run needs and the environment does not give."""
    out = []
    if not env.get("RRSS_LIVE_SHEETS_ID", "").strip():
        out.append("RRSS_LIVE_SHEETS_ID (id de una hoja de cálculo de prueba, que se BORRA)")
    if not (env.get("RRSS_SERVICE_ACCOUNT_FILE") or env.get("RRSS_SERVICE_ACCOUNT_JSON")):
        out.append("RRSS_SERVICE_ACCOUNT_FILE (ruta de la clave JSON) o "
                   "RRSS_SERVICE_ACCOUNT_JSON (su texto)")
    return out


def main() -> int:
    env = dict(os.environ)
    lacking = missing(env)
    if lacking:
        print("make live-check: no se ejecutó nada contra Google. Falta definir:\n  - "
              + "\n  - ".join(lacking)
              + "\nVea README.md, sección «Google Sheets», paso «Live check».")
        return 0
    env.update(RRSS_LIVE_RECORD=str(FOLDER), RRSS_BCRYPT_ROUNDS="4")
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs"]
    print(f"Contrato contra la hoja {env['RRSS_LIVE_SHEETS_ID']} (se borra en cada prueba); "
          f"grabaciones en {FOLDER.relative_to(ROOT)}/", flush=True)
    live = subprocess.call([*pytest, "-m", "live", "tests/adapters"], cwd=ROOT, env=env)
    print("Reproducción de las grabaciones contra el stand-in:", flush=True)
    replay = subprocess.call([*pytest, "tests/standin/test_conformance.py", "-k",
                              "test_live_recording"], cwd=ROOT, env=env)
    if live:
        print("El contrato falló contra Google: ver arriba qué prueba y por qué.")
    if replay:
        print("El stand-in responde distinto que Google en alguna grabación: corríjalo "
              "(tests/support/standin) y guarde las grabaciones con la corrección.")
    return live or replay


if __name__ == "__main__":
    sys.exit(main())
