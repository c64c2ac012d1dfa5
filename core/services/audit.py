"""Auditoría and Salud de datos: the chain's findings, acknowledging them, and how to
repair a row. The forensic check itself is :mod:`core.domain.tamper`; acknowledging a
finding is a use case (an audited event, by those who hold «acusar_auditoria»).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from core.domain.errors import InvalidInput
from core.domain.issues import RowIssue
from core.domain.ledger import Ledger
from core.domain.models import MAX_CELL_CHARS, Event, EventKind, RequestRow
from core.domain.permissions import Capability
from core.domain.ports import Change, Repository
from core.domain.roles import Role
from core.domain.tamper import (
    ACK_OUTCOME,
    ACK_SUBJECT,
    Anchor,
    AuditReport,
    ChainMonitor,
    header_report,
    verify_chain,
)
from core.domain.validation import thousands
from core.services.common import current_user, new_event_id

KEYS_PER_ACK_ROW = 1500  # 1,500 keys of 16 characters fit well inside one cell


def auditor_check(ledger: Ledger) -> Callable[[str], bool]:
    """Whether a role, as an event stores it, may acknowledge findings (the matrix says)."""
    allowed = {r.value for r in ledger.permissions.roles(Capability.ACKNOWLEDGE_AUDIT)}
    return allowed.__contains__


def new_monitor(ledger: Ledger) -> ChainMonitor:
    """A monitor for one repository; the entry point keeps it (one per process)."""
    return ChainMonitor(ledger.sealer, auditor_check(ledger))


def check(monitor: ChainMonitor, ledger: Ledger, full: bool = False) -> AuditReport:
    """The monitor's report on this ledger (hashed once per snapshot; ``full``: again)."""
    return monitor.check(ledger.stored(Event), ledger.stored(RequestRow), full=full,
                         missing=_missing(ledger))


def report(ledger: Ledger, anchors: Iterable[Anchor] = ()) -> AuditReport:
    """A full check of this ledger's events."""
    events = ledger.stored(Event)
    if events is None:
        return header_report(_missing(ledger))
    return verify_chain(events, sealer=ledger.sealer, requests=ledger.stored(RequestRow),
                        anchors=anchors, auditor=auditor_check(ledger))


def _missing(ledger: Ledger) -> str:
    return f"Falta la pestaña «{ledger.naming.tab(Event)}»: no hay registro que verificar."


def banner_text(report: AuditReport) -> str | None:
    """The warning every page shows while findings wait for review; None when none do."""
    pending = report.pending
    if not pending:
        return None
    rows = sorted({f.row for f in pending})
    shown = ", ".join(str(r) for r in rows[:5]) + ("…" if len(rows) > 5 else "")
    many = len(pending) != 1
    return (f"El registro de eventos fue modificado fuera de la aplicación: "
            f"{len(pending)} hallazgo{'s' if many else ''} sin revisar "
            f"(fila{'s' if len(rows) != 1 else ''} {shown}). La Dirección Ejecutiva o la "
            "Jefatura de la UGS debe revisarlo en «Auditoría».")


# -- acknowledging (a use case: audited) ----------------------------------------------------


def acknowledge(
    repo: Repository,
    username: str,
    comment: str,
    keys: Sequence[str],
    now: datetime,
    event_id: str | None = None,
    anchors: Sequence[Anchor] = (),
) -> int:
    """DE or the UGS head acknowledges the findings they reviewed; returns how many.

    Only findings still pending on fresh data are acknowledged; a finding that appears
    after the page was read is not, and keeps the banner up. ``anchors``: the heads the
    running app remembers (``ChainMonitor.anchors``), so a truncation can be acknowledged.
    """
    comment = comment.strip()
    if not comment:
        raise InvalidInput("Comentario: explique qué revisó y qué se hizo con el hallazgo.")
    if len(comment) > MAX_CELL_CHARS:
        raise InvalidInput(f"Comentario: el texto supera {thousands(MAX_CELL_CHARS)} caracteres.")
    ledger = repo.snapshot().ledger
    role = _auditor_role(ledger, username)
    found = report(ledger, anchors)
    pending = {f.key for f in found.pending}
    chosen = [k for k in dict.fromkeys(keys) if k in pending]
    if not chosen:
        raise InvalidInput("No hay hallazgos pendientes que acusar: ya fueron revisados.")

    def guard(fresh: Ledger) -> None:
        _auditor_role(fresh, username)
        again = report(fresh, anchors)
        if not set(chosen) <= {f.key for f in again.pending}:
            raise InvalidInput("Otra persona acusó recibo de estos hallazgos; recargue la "
                               "página.")

    earlier = sum(1 for a in found.acknowledgements) + 1
    parts = [chosen[i:i + KEYS_PER_ACK_ROW] for i in range(0, len(chosen), KEYS_PER_ACK_ROW)]
    change = Change(guard=guard, summary="acuse de auditoría")
    for number, part in enumerate(parts, start=1):
        data = {"hallazgos": part, "hash_cabeza": found.head_hash, "filas": found.rows}
        if len(parts) > 1:
            data.update(parte=number, partes=len(parts))
        event = Event(
            event_id=(event_id if number == 1 and event_id else new_event_id()),
            kind=EventKind.SYSTEM, subject=ACK_SUBJECT, seq=earlier + number - 1,
            outcome=ACK_OUTCOME, actor=username, role=role.value, at=now, comment=comment,
            data=json.dumps(data, ensure_ascii=False, sort_keys=True))
        change.add(event)
    repo.commit(change)
    return len(chosen)


def _auditor_role(ledger: Ledger, username: str) -> Role:
    return ledger.permissions.require(current_user(ledger, username),
                                      Capability.ACKNOWLEDGE_AUDIT)


# -- data health: how to fix a row that fails validation ----------------------------------

_HINTS: tuple[tuple[str, str], ...] = (
    ("falta la pestaña", "Restaure la pestaña «{tab}» (en Google Sheets: Archivo > Historial "
     "de versiones; el libro local, desde su respaldo). La aplicación no la vuelve a crear: "
     "una pestaña vacía cambiaría lo que el libro dice. Si el libro es de una versión "
     "anterior de la aplicación, «python cli.py migrate» agrega las pestañas nuevas."),
    ("no coincide con el registro", "No cambia nada: vale el registro firmado (lo dice el "
     "motivo). Escriba ese valor para que la hoja lo muestre; para cambiarlo de verdad use "
     "la aplicación (Usuarios y unidades, o la página de la solicitud)."),
    ("firma de la aplicación", "Una persona escribió o cambió esta fila de «{tab}»: no se "
     "obedece. Restáurela desde el historial de versiones de la hoja o el respaldo del "
     "libro, o acuse el hallazgo en Auditoría."),
    ("sin registro firmado", "La fila no corresponde a nada que haya registrado la "
     "aplicación: bórrela, o cree la cuenta o la solicitud desde la aplicación."),
    ("falta la fila de esta cuenta", "Restaure la fila de la cuenta desde el historial de "
     "versiones, o restablezca su contraseña en Usuarios y unidades (vuelve a escribirla)."),
    ("contraseña de esta fila no es", "Restablezca la contraseña de esta cuenta desde "
     "Usuarios y unidades: un hash escrito, pegado o movido a esta fila no la abre."),
    ("contraseña no es la que registró", "Restablezca la contraseña desde Usuarios y "
     "unidades: un hash escrito o pegado a mano no abre ninguna cuenta."),
    ("versión publicada en la pestaña no es", "Restaure las filas de esa versión desde el "
     "historial de versiones de la hoja; hasta entonces sus solicitudes no avanzan. Los "
     "cambios de un procedimiento se hacen en Procedimientos, como borrador."),
    ("columna desconocida", "No hace falta corregirla: la aplicación no la usa. Si es una "
     "columna de la aplicación escrita de otra forma, restaure su nombre exacto."),
    ("falta esta columna", "Restaure el encabezado «{column}» en la fila 1 de «{tab}» "
     "(escrito exactamente así, en cualquier columna libre)."),
    ("fecha y hora", "Escriba la fecha y hora como DD/MM/AAAA HH:MM, por ejemplo "
     "10/03/2026 09:30."),
    ("zona horaria", "Quite la zona horaria: escriba la hora local de Bolivia, "
     "DD/MM/AAAA HH:MM."),
    ("fecha", "Escriba la fecha como DD/MM/AAAA, por ejemplo 10/03/2026."),
    ("«sí» o «no»", "Escriba «sí» o «no»."),
    ("número entero", "Escriba un número entero, sin decimales ni texto."),
    ("presupuesto", "Escriba el monto en bolivianos como número, por ejemplo 1500,50."),
    ("debe ser un número", "Escriba un número, sin texto."),
    ("demasiado pequeño", "Escriba un número mayor: el valor no puede ser negativo."),
    ("demasiado grande", "Escriba un número menor."),
    ("demasiado largo", "Acorte el texto (una celda admite 32.767 caracteres) o muévalo a "
     "un documento y deje el enlace."),
    ("supera", "Acorte el texto (una celda admite 32.767 caracteres) o muévalo a un "
     "documento y deje el enlace."),
    ("valor no permitido", "Elija uno de los valores permitidos de la columna «{column}»."),
    ("rol desconocido", "Use los roles de la página Permisos, separados por comas "
     "(por ejemplo «jefe_unidad, solicitante»)."),
    ("al menos un rol", "Escriba al menos un rol en «roles»."),
    ("identificador repetido", "Cambie el identificador de una de las filas o borre la "
     "copia; mientras tanto vale la primera fila."),
    ("evento duplicado", "No edite «eventos»: la fila queda como superada y no cuenta. Si "
     "fue un error, acúselo en Auditoría."),
    ("evento ignorado", "No edite «eventos»: cada cambio rompe la cadena. Registre la "
     "corrección con una acción nueva en la solicitud y revise Auditoría."),
    ("solicitud inexistente", "Restaure la fila de la solicitud en «solicitudes» desde una "
     "copia del libro; los eventos no se borran."),
    ("no existe esa versión", "Corrija «procedimiento» y «version» para que coincidan con "
     "una versión publicada en la pestaña «procedimientos»."),
    ("json", "Deje «datos» vacío o escriba un objeto JSON, por ejemplo {\"clave\": \"valor\"}."),
    ("los tipos 1 a 3", "Aquí solo van los tipos 4 a 7; los tipos 1 a 3 se registran con "
     "«Nueva solicitud»."),
    ("formato no válido", "Escriba el valor con el formato de «{column}»: un usuario va en "
     "minúsculas, números, punto o guion; una huella SHA-256 son 64 caracteres 0-9 y a-f."),
    ("vacío", "Escriba un valor en «{column}»: no puede quedar vacío."),
    ("falta el valor", "Escriba un valor en «{column}»: es obligatorio."),
)


def repair_hint(issue: RowIssue, missing_columns: Iterable[str] = ()) -> str:
    """One Spanish sentence telling a person how to fix ``issue`` in the sheet.

    ``missing_columns``: the tab's header columns that are gone; a row's empty value in one
    of them is fixed by restoring the header, not by typing in every row.
    """
    if issue.row > 1 and issue.column in set(missing_columns):
        return (f"Se corrige al restaurar el encabezado «{issue.column}» en la fila 1 de "
                f"«{issue.tab}»: los valores de la columna vuelven a leerse.")
    reason = issue.reason.lower()
    for needle, hint in _HINTS:
        if needle.lower() in reason:
            return hint.format(tab=issue.tab, column=issue.column or "—")
    return ("Corrija la celda según el motivo. Hasta entonces la fila no se usa, y la "
            "aplicación no la modifica.")
