"""The command line, for cron and for setting up: ``python cli.py <command>``.

- ``send``: deliver pending mails (run it every few minutes to pick up retries);
- ``digest``: queue today's digest of overdue requests (each morning);
- ``intake``: take the rows waiting in the intake tab (as the UGS head's button does);
- ``init`` / ``demo``: create a new local workbook (empty, or with the demo data) and its
  key file; the only way a local ledger is created;
- ``migrate``: add the tabs and columns a newer version of the app declares;
- ``key``: print a new random key for ``RRSS_LEDGER_KEY`` or secrets.toml;
- ``alertas``: mail whoever answers questions about those near their 15 minutes (every
  minute, when nobody has «Consultas y crisis» open);
- ``bootstrap``: prepare the configured Google Sheet (tabs, headers, drop-downs,
  protections; ``--demo``, ``--sin-procedimientos``, ``--sin-unidades``, ``--revisar``).

Every command uses the app's configuration (the same environment, README «Configuración»)
and the same composition root (``wiring``).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Sequence

from core.adapters import keys
from core.adapters.smtp import mailer_from_env
from core.domain.chain import Sealer
from core.domain.errors import DomainError
from core.domain.workdays import WorkCalendar
from core.services import intake, notifications, service_logs
from wiring import (
    Settings,
    create_workbook,
    local_now,
    open_repository,
    open_workbook,
    sealer_for,
)


def _send(settings: Settings) -> int:
    repo = open_repository(settings)
    if repo.snapshot().ledger.is_demo:
        print(notifications.DEMO_NO_MAIL)
        return 1
    mailer = mailer_from_env()
    if mailer is None:
        print("RRSS_SMTP_HOST no está configurado: los correos quedan en la pestaña.")
        return 1
    report = notifications.deliver_pending(repo, mailer, local_now(), slot=threading.Lock())
    print(report.summary + (f" Último error: {report.error}" if report.error else ""))
    return 0 if not report.failed else 1


def _digest(settings: Settings) -> int:
    repo = open_repository(settings)
    calendar = notifications.ledger_calendar(repo.snapshot().ledger, settings.subdivision)
    count = notifications.queue_daily_digest(repo, calendar, local_now(), settings.public_url)
    print(f"{count} correo(s) de resumen en cola.")
    return 0


def _alerts(settings: Settings) -> int:
    count = service_logs.queue_answer_alerts(
        open_repository(settings), local_now(), service_logs.AttentionHours.from_env(os.environ),
        settings.public_url)
    print(f"{count} consulta(s) con alerta en cola.")
    return 0


def _intake(settings: Settings) -> int:
    report = intake.process(open_repository(settings), local_now(), settings.public_url)
    print(f"{len(report.registered)} fila(s) registrada(s), {len(report.waiting)} en espera de "
          "corrección.")
    for row, request_id in report.registered:
        print(f"  fila {row}: {request_id}")
    for row, problem in report.waiting:
        print(f"  fila {row}: {problem}")
    return 0


def _create(settings: Settings, *, demo: bool, if_missing: bool) -> int:
    if if_missing and settings.workbook.exists():
        print(f"El libro {settings.workbook} ya existe: se usa tal como está.")
        return 0
    create_workbook(settings, demo=demo)
    what = "de demostración (contraseña de todos los usuarios: demo-adsib)" if demo else \
        "vacío: la primera persona que abra la aplicación crea la cuenta del administrador"
    print(f"Libro {settings.workbook} creado, {what}. Su clave está en "
          f"{keys.key_file_for(settings.workbook)} (respáldela; ver README).")
    return 0


def _migrate(settings: Settings) -> int:
    added = open_workbook(settings).add_missing_tabs()
    print("Pestañas y columnas agregadas: " + (", ".join(added) if added else "ninguna") + ".")
    return 0


def _key() -> int:
    """A new random key, to put in RRSS_LEDGER_KEY or secrets.toml (never in the sheet)."""
    print(keys.encode(Sealer.generate().keys["k1"]))
    return 0


def _bootstrap(args: argparse.Namespace) -> int:
    from core.adapters.gsheets.adapter import SheetsApi, make_client
    from core.adapters.gsheets.bootstrap import Bootstrap
    from core.adapters.gsheets.config import load_config
    from core.adapters.tabular import rows_for, written
    from sheets_schema.demo import base_records, demo_rows, units
    from sheets_schema.tabs import SCHEMA

    config = load_config()
    if config is None:
        print("No hay configuración de Google Sheets: vea la sección «Google Sheets» del "
              "README (.streamlit/secrets.toml o RRSS_SHEETS_ID).", file=sys.stderr)
        return 2
    api = SheetsApi(make_client(config), config.spreadsheet_id,
                    account_email=config.client_email)
    subdivision = os.environ.get("RRSS_HOLIDAY_SUBDIVISION", "L") or None
    if args.demo:
        rows = demo_rows(local_now(), WorkCalendar.for_bolivia(subdivision=subdivision))
    else:
        chosen = [r for r in base_records()
                  if not (args.sin_unidades and r in units())
                  and not (args.sin_procedimientos and r not in units())]
        rows = rows_for(SCHEMA, chosen)
    started = time.monotonic()
    sealer = sealer_for(Settings.from_env(), local=False)  # events signed with this key
    tabs = written(SCHEMA, rows, sealer)
    signed = {name: [dict(zip(raw.header, cells, strict=False)) for cells in raw.rows]
              for name, raw in tabs.items() if raw.rows}
    report = Bootstrap(api, SCHEMA.specs, account_email=config.client_email).run(
        signed, demo=args.demo, apply=not args.revisar)
    print(f"Hoja de cálculo «{report.title}» ({config.spreadsheet_id}):")
    for problem in report.problems:
        print(f"  PROBLEMA: {problem}")
    if report.problems:
        print("No se escribió nada. Corrija lo indicado y vuelva a ejecutar.")
        return 2
    for line in report.changes:
        print(f"  {'se haría: ' if args.revisar else ''}{line}")
    for note in report.notes:
        print(f"  nota: {note}")
    if not report.changes:
        print("  ya estaba preparada: no hubo nada que cambiar.")
    print(f"Listo en {time.monotonic() - started:.1f} s.")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python cli.py",
                                  description="Tareas de la aplicación de Publicaciones RRSS.")
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("send", help="enviar los correos pendientes")
    commands.add_parser("digest", help="poner en cola el resumen diario de vencidos")
    commands.add_parser("intake", help="tomar las filas de la pestaña «ingreso»")
    for name, text in (("init", "crear un libro local vacío (con su clave)"),
                       ("demo", "crear un libro local con datos de demostración")):
        create = commands.add_parser(name, help=text)
        create.add_argument("--si-no-existe", action="store_true",
                            help="no hacer nada si el libro ya existe")
    commands.add_parser("migrate", help="agregar al libro las pestañas y columnas nuevas "
                                        "del esquema (tras actualizar la aplicación)")
    commands.add_parser("key", help="generar una clave nueva para el libro")
    commands.add_parser("alertas", help="avisar de las consultas cerca de sus 15 minutos")
    setup = commands.add_parser("bootstrap", help="preparar la hoja de cálculo de Google")
    setup.add_argument("--demo", action="store_true",
                       help="cargar los datos de demostración (solo en una hoja vacía)")
    setup.add_argument("--sin-procedimientos", action="store_true",
                       help="no cargar la tabla de procedimientos del manual")
    setup.add_argument("--sin-unidades", action="store_true",
                       help="no cargar las unidades de la ADSIB")
    setup.add_argument("--revisar", action="store_true",
                       help="solo mostrar qué se haría, sin escribir")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as stop:  # argparse printed the usage
        return int(stop.code or 0)
    settings = Settings.from_env()
    try:
        if args.command == "send":
            return _send(settings)
        if args.command == "digest":
            return _digest(settings)
        if args.command == "intake":
            return _intake(settings)
        if args.command in ("init", "demo"):
            return _create(settings, demo=args.command == "demo", if_missing=args.si_no_existe)
        if args.command == "migrate":
            return _migrate(settings)
        if args.command == "key":
            return _key()
        if args.command == "alertas":
            return _alerts(settings)
        return _bootstrap(args)
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
