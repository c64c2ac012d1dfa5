"""The ledger's tabs and columns, as data.

The same declaration drives the local workbook, the Google Sheet's bootstrap and the
validation of every row read back. Each tab maps the fields of its record (core.domain.models)
to the column headers people see; only adapters read this mapping.
"""

from __future__ import annotations

from core.adapters.tabular import Schema, TabSpec
from core.domain.models import (
    DIRECT_TYPES,
    AnswerMode,
    ArchivedMail,
    CrisisIncident,
    DayOff,
    DeletionOrder,
    DirectPublication,
    Event,
    EventKind,
    IntakeRow,
    MailStatus,
    Material,
    MaterialKind,
    Network,
    OutboxMail,
    PlanItem,
    PlanStatus,
    ProcedureStatus,
    ProcedureTableRow,
    Product,
    PublicationStats,
    PublicationType,
    PublicQuestion,
    RequestRow,
    Status,
    Unit,
    UserRow,
)
from core.domain.procedures import DEFINITION_COLUMNS
from core.domain.roles import Role

YES_NO = ("sí", "no")

REQUESTS = TabSpec(
    "solicitudes", RequestRow,
    dict(
        request_id="id_solicitud", created_at="creada_en", created_by="creada_por",
        procedure="procedimiento", version="version", title="titulo", objective="objetivo",
        summary="resumen", unit="unidad", links="fotos_enlaces", publish_from="publicar_desde",
        publish_to="publicar_hasta", protected="protegida_por_norma", reference="referencia",
        status="estado", stage="etapa", seq="secuencia", updated_at="actualizada_en",
        promotion_bs="promocion_bs", product="producto",
    ),
    "Una fila por solicitud de los procedimientos 1 a 3, para lectura: la ruta (unidad, "
    "procedimiento, protegida por norma, ventana) la fija el primer evento firmado; estado, "
    "etapa y secuencia se copian del registro de eventos.",
    choices={"procedimiento": ("1", "2", "3"), "protegida_por_norma": YES_NO,
             "estado": tuple(s.value for s in Status),
             "producto": tuple(p.value for p in Product)},
    app_owned=True,
    formats={"creada_en": "moment", "actualizada_en": "moment", "version": "whole",
             "publicar_desde": "date", "publicar_hasta": "date", "etapa": "whole",
             "secuencia": "whole", "promocion_bs": "amount"},
)
EVENTS = TabSpec(
    "eventos", Event,
    dict(
        event_id="id_evento", kind="tipo", subject="id_objeto", seq="secuencia", stage="etapa",
        outcome="accion", target_stage="etapa_destino", actor="usuario", role="rol",
        at="fecha_hora", comment="comentario", data="datos", hash="hash",
        signature="firma",
    ),
    "Registro de acciones, solo se agregan filas; cada fila se encadena con la anterior.",
    choices={"tipo": tuple(k.value for k in EventKind)},
    append_only=True,
)
USERS = TabSpec(
    "usuarios", UserRow,
    dict(
        username="usuario", full_name="nombre", email="correo", roles="roles", unit="unidad",
        password_hash="hash_contrasena", active="activo", created_at="creado_en",
    ),
    "Personas que usan la aplicación, para lectura: los roles, la unidad y si la cuenta "
    "está activa los decide el registro de eventos firmado; la contraseña se guarda solo "
    "como hash bcrypt y vale si coincide con la huella que registró la aplicación.",
    choices={"activo": YES_NO},
    app_owned=True,
    formats={"creado_en": "moment"},
)
UNITS = TabSpec(
    "unidades", Unit,
    dict(
        code="codigo", name="nombre", active="activa",
    ), "Unidades organizacionales de la ADSIB.", choices={"activa": YES_NO},
)
DIRECT = TabSpec(
    "publicaciones_directas", DirectPublication,
    dict(
        publication_id="id_publicacion", type="tipo", title="titulo", channel="canal",
        link="enlace", published_at="publicada_en", recorded_by="registrada_por",
        notes="notas", product="producto", promotion_bs="promocion_bs",
        promotion_approved_by="promocion_aprobada_por",
        promotion_approved_at="promocion_aprobada_en",
    ),
    "Publicaciones de los tipos 4 a 7, registradas por el Administrador Principal.",
    choices={"tipo": tuple(t.value for t in DIRECT_TYPES),
             "producto": tuple(p.value for p in Product)},
)

STATISTICS = TabSpec(
    "estadisticas", PublicationStats,
    dict(
        stats_id="id_estadistica", publication="publicacion", channel="canal", link="enlace",
        reach="alcance", interactions="interacciones", clicks="clics",
        measured_on="medido_el", source="fuente", recorded_by="registrado_por",
    ),
    "Estadísticas de las redes por publicación (alcance, interacciones, clics), a mano o "
    "importadas del CSV que exporta cada red.",
)
DAYS_OFF = TabSpec(
    "dias_no_laborables", DayOff,
    dict(
        day="fecha", description="descripcion", recorded_by="registrado_por",
    ),
    "Días no laborables institucionales: no cuentan como días hábiles para los plazos.",
)
PLAN = TabSpec(
    "plan_promocion", PlanItem,
    dict(
        item_id="id_item", service="servicio", campaign="campania", channels="canales",
        type="tipo", start="fecha_desde", end="fecha_hasta", budget="presupuesto_bs",
        status="estado", request_id="id_solicitud", notes="notas", created_by="creado_por",
    ),
    "Plan de Promoción de Servicios: lo mantiene el Profesional en Promoción de Servicios.",
    choices={"tipo": tuple(t.value for t in PublicationType),
             "estado": tuple(s.value for s in PlanStatus)},
)
QUESTIONS = TabSpec(
    "consultas", PublicQuestion,
    dict(
        question_id="id_consulta", received_at="recibida_en", channel="canal",
        summary="resumen", answered_at="respondida_en", mode="modo",
        answered_by="atendida_por",
    ),
    "Consultas del público en redes sociales; deben responderse en 15 minutos (5 e).",
    choices={"modo": tuple(m.value for m in AnswerMode)},
)
INCIDENTS = TabSpec(
    "incidentes", CrisisIncident,
    dict(
        incident_id="id_incidente", description="descripcion", leader="lider_ugs",
        staff="personal_involucrado", actions="acciones", opened_at="abierto_en",
        closed_at="cerrado_en", strategy="estrategia", contacts="contactos_ciudadanos",
        opened_by="abierto_por",
    ),
    "Manejo de crisis en redes sociales (5 f): la UGS lidera, el personal involucrado acompaña.",
)
OUTBOX = TabSpec(
    "correo_saliente", OutboxMail,
    dict(
        mail_id="id_correo", created_at="creado_en", to="para", subject="asunto",
        body="cuerpo", status="estado", attempts="intentos", last_error="ultimo_error",
        sent_at="enviado_en",
    ),
    "Correos de aviso: se envían por SMTP si está configurado; si no, quedan aquí.",
    choices={"estado": tuple(s.value for s in MailStatus)},
    app_owned=True,
)
ARCHIVE = TabSpec(
    "correo_archivo", ArchivedMail, dict(OUTBOX.columns),
    "Correos enviados hace más de 90 días, sacados de «correo_saliente» para que siga "
    "corta. Solo para consulta: puede vaciarse si hace falta espacio.",
    choices={"estado": tuple(s.value for s in MailStatus)},
    append_only=True, app_owned=True,
)
DELETIONS = TabSpec(
    "ordenes_eliminacion", DeletionOrder,
    dict(
        order_id="id_orden", publication="publicacion", channel="canal", reason="motivo",
        via="via", ordered_by="ordenada_por", ordered_at="ordenada_en",
        confirmed_by="confirmada_por", confirmed_at="confirmada_en",
    ),
    "Órdenes de la Dirección Ejecutiva para eliminar una publicación (6 a).",
    choices={"via": ("nota", "correo", "llamada", "mensaje")},
)
PROCEDURES = TabSpec(
    "procedimientos", ProcedureTableRow,
    {**DEFINITION_COLUMNS, "status": "estado"},
    "Los procedimientos del manual, una fila por etapa y versión; las versiones publicadas "
    "rigen para solicitudes nuevas, las en curso conservan la suya.",
    choices={"estado": tuple(s.value for s in ProcedureStatus),
             "registra_cronograma": YES_NO, "permite_autoaprobacion": YES_NO,
             "produce_material": YES_NO, "aprueba_material": YES_NO,
             "registro_en_nombre": YES_NO},
)
INTAKE = TabSpec(
    "ingreso", IntakeRow,
    dict(
        submitted_at="marca_temporal", username="usuario", unit="unidad", title="titulo",
        objective="objetivo", summary="resumen", links="fotos_enlaces",
        publish_from="publicar_desde", publish_to="publicar_hasta",
        protected="protegida_por_norma", files="archivos",
    ),
    "Solicitudes del procedimiento 3 agregadas a mano o por un formulario (con su marca "
    "temporal). La aplicación no escribe aquí: registra cada fila una sola vez y muestra "
    "en Bandeja y Salud de datos las que esperan corrección. «archivos»: enlaces a los "
    "archivos (Google Drive), uno por línea, que pasan a ser el material de la solicitud.",
    choices={"protegida_por_norma": YES_NO},
    form_fed=True,
)

MATERIALS = TabSpec(
    "materiales", Material,
    dict(
        material_id="id_material", subject="id_objeto", version="version", stage="etapa",
        kind="tipo", network="red", name="nombre", media_type="tipo_contenido",
        size="tamano_bytes", sha256="sha256", storage_id="id_almacen", content="contenido",
        added_by="agregado_por", added_at="agregado_en", event_id="id_evento",
    ),
    "Material de cada solicitud (o borrador de un ítem del plan), versión por versión: "
    "textos por red, imágenes, diseños, PDF y enlaces. Los archivos están en la carpeta de "
    "archivos o en Google Drive («id_almacen»); «sha256» es la huella de su contenido y el "
    "evento de «id_evento» registra la huella de la versión.",
    choices={"tipo": tuple(k.value for k in MaterialKind),
             "red": tuple(n.value for n in Network)},
    append_only=True,
)

ALL_TABS: tuple[TabSpec, ...] = (
    REQUESTS, EVENTS, USERS, UNITS, DIRECT, DAYS_OFF, PLAN, QUESTIONS, INCIDENTS, OUTBOX,
    ARCHIVE,
    DELETIONS, PROCEDURES, INTAKE, MATERIALS, STATISTICS,
)
SCHEMA = Schema(ALL_TABS)
TABS_BY_NAME = SCHEMA.by_name
ROLE_CHOICES = tuple(r.value for r in Role)
