"""The material under approval on the app's pages.

What a request carries is shown as it will be seen: the text as a post card per network
(line breaks, hashtags, mentions and links marked, the count against each network's
limit), images inline, other files as downloads; every earlier version stays listed, with
what changed (text line by line, images side by side). At the stages that produce
material the composer gathers a new version, which goes with the stage's own action; after
approval, a change sends the request back to the stage that approved it.

Images are shown as previews the app draws (core.adapters.files.images), never as the
uploaded bytes; originals are downloads (``Content-Disposition: attachment``). User text
goes through ``session.md_escape``.

Pages call one function each: :func:`show` and :func:`submission` (Solicitud),
:func:`registration_composer` and :func:`registration_submission` (Nueva solicitud),
:func:`plan_section` (Plan de promoción), :func:`audit_section` (Auditoría),
:func:`orphans_section` (Salud de datos).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import pandas as pd
import streamlit as st

from core.adapters.files import images
from core.domain import materials as rules
from core.domain.errors import DomainError
from core.domain.ledger import Ledger
from core.domain.models import (
    MAX_CELL_CHARS,
    Material,
    MaterialKind,
    Network,
    PlanItem,
    PlanStatus,
    User,
)
from core.domain.permissions import Capability
from core.domain.ports import FileStore
from core.domain.procedures import StageRow
from core.domain.workflow import RequestState, allowed_actions
from core.services import materials
from ui import caches, session

FILE_TYPES = ["jpg", "jpeg", "png", "webp", "gif", "pdf"]
PREVIEW_COLUMNS = 3


def _key(subject: str, seq: int, name: str) -> str:
    return f"mat_{name}_{subject}_{seq}"


def _when(moment: datetime | None) -> str:
    return f"{moment:%d/%m/%Y %H:%M}" if moment else "—"


def _who(ledger: Ledger, username: str) -> str:
    user = ledger.users.get(username)
    return user.full_name if user else username


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


# -- a post as it will be seen ---------------------------------------------------------------


def rich_text(text: str) -> str:
    """Markdown for a post: the text literal (escaped), hashtags and mentions in bold blue,
    web addresses in blue (only http/https ones exist in a post; the renderer may make
    them clickable, as the network will)."""
    parts = []
    for kind, chunk in rules.segments(text):
        escaped = session.md_escape(chunk)
        if kind is rules.Segment.TEXT:
            parts.append(escaped)
        elif kind is rules.Segment.LINK:
            parts.append(f":blue[{escaped}]")
        else:
            parts.append(f":blue[**{escaped}**]")
    return "".join(parts)


def post_card(network: Network, text: str) -> None:
    """The text as a post of ``network`` (every network's count for a common text)."""
    with st.container(border=True):
        st.markdown(f"**{network.label}** · vista previa de la publicación")
        st.markdown(rich_text(text) if text.strip() else "*(sin texto)*")
        labels = [(f":red[**{c.label} — excede el límite**]" if c.over else c.label)
                  for c in rules.counts(network, text)]
        st.caption(" · ".join(labels))


# -- files -------------------------------------------------------------------------------------


def _draw(store: FileStore, piece: Material) -> bytes | None:
    try:
        return images.preview(materials.read_file(store, piece))
    except DomainError:
        return None


def _read(store: FileStore, piece: Material) -> bytes:
    try:
        return materials.read_file(store, piece)
    except DomainError:
        logging.getLogger(__name__).exception("descarga de %s", piece.storage_id)
        return b""


def _download(store: FileStore, piece: Material, key: str) -> None:
    st.download_button(f"Descargar «{piece.name}» ({_size(piece.size)})",
                       data=lambda: _read(store, piece), file_name=piece.name,
                       mime=piece.media_type or "application/octet-stream", key=key,
                       on_click="ignore")


def _images(store: FileStore, pieces: Sequence[Material], key: str) -> None:
    caches.previews([(p.sha256, lambda p=p: _draw(store, p)) for p in pieces])
    columns = st.columns(PREVIEW_COLUMNS)
    for index, piece in enumerate(pieces):
        with columns[index % PREVIEW_COLUMNS]:
            preview = caches.preview(piece.sha256, lambda p=piece: _draw(store, p))
            if preview is None:
                st.warning(f"No se puede mostrar «{session.md_escape(piece.name)}»: el "
                           "archivo falta o cambió después de registrado (ver Auditoría).")
            else:
                st.image(preview, caption=f"{piece.kind.label}: {piece.name}")
            _download(store, piece, f"{key}_{piece.material_id}")


def _links(pieces: Sequence[Material]) -> None:
    for piece in pieces:
        try:
            url = rules.check_link(piece.content)
        except DomainError:
            st.warning(f"{piece.kind.label}: el enlace guardado no es válido "
                       f"(«{session.md_escape(piece.content[:120])}»).")
            continue
        left, right = st.columns([4, 1])
        left.markdown(f"**{piece.kind.label}** · {session.md_escape(rules.link_label(url))}: "
                      f"`{url.replace('`', '')}`")
        right.link_button("Abrir", url)


def _version_line(ledger: Ledger, version: materials.Version) -> str:
    stamp = version.stamp
    parts = [f"**Versión {version.number}**"]
    if version.submitted_by:
        parts.append(f"enviada por {session.md_escape(_who(ledger, version.submitted_by))}"
                     + (f" en la etapa {version.stage}" if version.stage else "")
                     + f" el {_when(version.submitted_at)}")
    for approval in version.approvals:
        parts.append(f"aprobada por {session.md_escape(_who(ledger, approval.event.actor))} "
                     f"(etapa {approval.event.stage}) el {_when(approval.event.at)}")
    if version.published:
        parts.append("publicada")
    if stamp is not None:
        parts.append(f"SHA-256 `{stamp.sha256}`")
    return " · ".join(parts)


def version_block(ledger: Ledger, store: FileStore, version: materials.Version,
                  key: str) -> None:
    """One version as it will be seen: post cards, images, files, links."""
    st.markdown(_version_line(ledger, version))
    if version.stamp is None:
        st.error("Estas filas de material no tienen un evento que las registre: fueron "
                 "agregadas a mano y no cuentan como material enviado (ver Auditoría).")
    elif not version.intact:
        st.error("Las filas de esta versión no coinciden con la huella que registró su "
                 "evento: alguien las modificó en la hoja (ver Auditoría).")
    for piece in version.texts():
        post_card(piece.network or Network.ALL, piece.content)
    shown = version.images()
    if shown:
        _images(store, shown, key)
    for piece in version.files():
        if piece not in shown:
            _download(store, piece, f"{key}_{piece.material_id}")
    _links(version.links())


def _history(ledger: Ledger, store: FileStore, view: materials.MaterialView, key: str) -> None:
    if len(view.versions) < 2:
        return
    numbers = [v.number for v in view.versions]
    with st.expander(f"Todas las versiones y qué cambió ({len(numbers)} versiones)"):
        st.dataframe(pd.DataFrame([{
            "Versión": v.number, "Enviada por": _who(ledger, v.submitted_by),
            "Etapa": v.stage or "—", "Fecha": _when(v.submitted_at),
            "Piezas": len(v.pieces),
            "Estado": "publicada" if v.published else ("aprobada" if v.approvals else "—"),
            "SHA-256": v.stamp.sha256 if v.stamp else "sin evento",
        } for v in view.versions]), hide_index=True, width="stretch", key=f"{key}_versions")
        left, right = st.columns(2)
        before = left.selectbox("Comparar la versión", numbers[:-1], index=len(numbers) - 2,
                                key=f"{key}_before")
        after = right.selectbox("con la versión", numbers, index=len(numbers) - 1,
                                key=f"{key}_after")
        old, new = view.version(before), view.version(after)
        if old is None or new is None:
            return
        change = materials.diff(old, new)
        if change.empty:
            st.info(f"Las versiones {before} y {after} tienen el mismo material.")
        for text in change.texts:
            st.markdown(f"**Texto · {text.network.label}** (líneas con - salen, con + entran)")
            st.code(text.unified() or "(sin cambios de texto)", language="diff")
        if old.images() or new.images():
            st.markdown("**Imágenes, lado a lado**")
            columns = st.columns(2)
            for column, version, gone in ((columns[0], old, change.removed),
                                          (columns[1], new, change.added)):
                with column:
                    st.markdown(f"Versión {version.number}")
                    for piece in version.images():
                        preview = caches.preview(piece.sha256,
                                                 lambda p=piece: _draw(store, p))
                        mark = " (cambia)" if piece in gone else ""
                        if preview is not None:
                            st.image(preview, caption=f"{piece.name}{mark}")
        for label, pieces in (("Entran", change.added), ("Salen", change.removed)):
            names = [f"{p.kind.label} «{p.name}»" for p in pieces if p.kind is not
                     MaterialKind.TEXT]
            if names:
                st.markdown(f"**{label}:** " + session.md_escape("; ".join(names)))


# -- the composer -------------------------------------------------------------------------


def _texts_of(version: materials.Version | None) -> dict[Network, str]:
    if version is None:
        return {}
    return {p.network or Network.ALL: p.content for p in version.texts()}


def composer(subject: str, seq: int, latest: materials.Version | None) -> None:
    """The widgets of a new version (prefilled with the latest one)."""
    texts = _texts_of(latest)
    st.text_area("Texto de la publicación (el mismo para todas las redes)",
                 value=texts.get(Network.ALL, ""), key=_key(subject, seq, "text_todas"),
                 height=140, max_chars=MAX_CELL_CHARS,
                 help="Los saltos de línea, #etiquetas y enlaces se ven en la vista previa.")
    with st.expander("Texto distinto para una red"):
        for network in rules.PUBLISHING_NETWORKS:
            limit = min(rules.NETWORK_LIMITS[network], MAX_CELL_CHARS)
            st.text_area(f"{network.label} (hasta {limit:,} caracteres)".replace(",", "."),
                         value=texts.get(network, ""), max_chars=limit,
                         key=_key(subject, seq, f"text_{network.value}"))
    kept = [p for p in latest.pieces if p.kind is not MaterialKind.TEXT] if latest else []
    if kept:
        st.markdown(f"**Conservar de la versión {latest.number if latest else ''}**")
        for piece in kept:
            st.checkbox(f"{piece.kind.label} «{piece.name}»", value=True,
                        key=_key(subject, seq, f"keep_{piece.material_id}"))
    uploaded = st.file_uploader(
        "Agregar imágenes, diseños o PDF, hasta 25 MB cada uno", type=FILE_TYPES,
        accept_multiple_files=True, key=_key(subject, seq, "files"),
        help="Se aceptan JPEG, PNG, WebP, GIF y PDF, reconocidos por su contenido. Los SVG "
             "no se aceptan (pueden llevar código): expórtelos como PNG o PDF. Los vídeos "
             "van como enlace.")
    st.radio("Los archivos agregados son", [MaterialKind.IMAGE, MaterialKind.DESIGN],
             format_func=lambda k: k.label, horizontal=True, key=_key(subject, seq, "kind"))
    st.text_area("Enlaces a vídeos (YouTube, Facebook, Drive…), uno por línea",
                 key=_key(subject, seq, "videos"), height=68)
    st.text_area("Enlaces a otros archivos (Google Drive…), uno por línea",
                 key=_key(subject, seq, "links"), height=68)
    for upload in uploaded or []:
        try:
            checked = rules.check_file(upload.name, upload.getvalue())
        except DomainError as error:
            st.error(error.message)
            continue
        size = f" · {checked.width} × {checked.height} px" if checked.width else ""
        st.caption(f"✓ «{session.md_escape(checked.name)}» · {checked.media_type.label} · "
                   f"{_size(checked.size)}{size}")
        if checked.media_type.is_image:
            drawn = caches.preview(checked.sha256, lambda u=upload: images.preview(
                u.getvalue()))
            if drawn is not None:
                st.image(drawn, width=240)
    typed = {n: st.session_state.get(_key(subject, seq, f"text_{n.value}"), "")
             for n in (Network.ALL, *rules.PUBLISHING_NETWORKS)}
    for network, text in typed.items():
        if text.strip() and text != texts.get(network, ""):
            post_card(network, text)


def draft(subject: str, seq: int, latest: materials.Version | None) -> materials.Draft:
    """The composer's content as a draft (read from the session)."""
    state = st.session_state
    texts = {n: str(state.get(_key(subject, seq, f"text_{n.value}"), ""))
             for n in (Network.ALL, *rules.PUBLISHING_NETWORKS)}
    kind = state.get(_key(subject, seq, "kind")) or MaterialKind.IMAGE
    uploads = [materials.Upload(f.name, f.getvalue(), MaterialKind(kind))
               for f in state.get(_key(subject, seq, "files")) or []]
    links = [(MaterialKind.VIDEO, u) for u in
             materials.split_links(str(state.get(_key(subject, seq, "videos"), "")))]
    links += [(MaterialKind.LINK, u) for u in
              materials.split_links(str(state.get(_key(subject, seq, "links"), "")))]
    keep = [p.material_id for p in (latest.pieces if latest else ())
            if p.kind is not MaterialKind.TEXT
            and state.get(_key(subject, seq, f"keep_{p.material_id}"), True)]
    # A text left as it was is part of the version like any other piece.
    return materials.Draft(texts, uploads, links, keep)


# -- Solicitud ------------------------------------------------------------------------------


def _produces_here(state: RequestState, user: User) -> bool:
    row = state.stage_row
    return row is not None and row.produces_material and bool(allowed_actions(state, user))


def submission(state: RequestState) -> materials.Submission | None:
    """The version the stage's action submits (Solicitud's action callback passes it on)."""
    row = state.stage_row
    if row is None or not row.produces_material:
        return None
    view = materials.request_material(session.ledger(), state.request.request_id)
    found = draft(state.request.request_id, state.seq, view.latest)
    return None if found.empty else materials.Submission(found, session.file_store())


def _reapprove(state: RequestState, username: str, target: int) -> None:
    rid, seq = state.request.request_id, state.seq
    view = materials.request_material(session.ledger(), rid)
    sent = draft(rid, seq, view.latest)
    comment = str(st.session_state.get(_key(rid, seq, "re_comment"), ""))
    session.run(lambda: materials.change_after_approval(
        session.repository(), username, rid, materials.Submission(sent, session.file_store()),
        comment=comment, expected_seq=seq, now=session.now(), calendar=session.calendar()),
        f"Material nuevo registrado: la solicitud vuelve a la etapa {target} para aprobarlo.",
        defer_error=True)


def show(state: RequestState, user: User) -> None:
    """The Solicitud page's material section (call it before the actions)."""
    ledger = session.ledger()
    store = session.file_store()
    rid = state.request.request_id
    view = materials.request_material(ledger, rid)
    row = state.stage_row
    st.markdown("#### Material")
    publishing = state.is_open and state.stage == state.procedure.last_stage
    pinned, latest = view.pinned, view.latest
    if pinned is not None:
        approval = pinned.approvals[-1] if pinned.approvals else None
        who = f" por {_who(ledger, approval.event.actor)} el {_when(approval.event.at)}" \
            if approval else ""
        st.success(f"Versión aprobada: {pinned.number}{who} · SHA-256 "
                   f"{pinned.stamp.sha256[:16] if pinned.stamp else '—'}…")
    if row is not None and row.approves_material and latest is not None and \
            allowed_actions(state, user):
        st.info(f"Al aprobar, usted aprueba la versión {latest.number} que se muestra abajo "
                f"(SHA-256 {latest.stamp.sha256[:16] if latest.stamp else '—'}…): queda "
                "registrada en el evento.")
    shown = pinned if publishing and pinned is not None else latest
    if publishing and pinned is not None:
        st.info("Publique exactamente esta versión aprobada.")
    if shown is None:
        st.caption("Esta solicitud aún no tiene material adjunto.")
    else:
        version_block(ledger, store, shown, f"mat_view_{rid}_{shown.number}")
    _history(ledger, store, view, f"mat_hist_{rid}")
    if _produces_here(state, user) and row is not None:
        st.markdown(f"**Material para enviar con «{session.md_escape(row.action_label)}»** "
                    "(cada envío es una versión nueva; las anteriores se conservan)")
        composer(rid, state.seq, latest)
    transition = state.procedure.reapproval(state.stage) if state.stage else None
    if transition is not None and rules.reapproval_role(state, user) is not None:
        target = transition.target or 0
        with st.expander(f"Cambiar el material (la solicitud vuelve a la etapa {target} para "
                         "aprobarlo)"):
            composer(rid, state.seq, latest)
            st.text_area("Qué cambió y por qué (obligatorio)", key=_key(rid, state.seq,
                                                                         "re_comment"))
            st.button("Enviar material nuevo y devolver a aprobación",
                      key=_key(rid, state.seq, "re_send"), on_click=_reapprove,
                      args=(state, user.username, target))


# -- Nueva solicitud ----------------------------------------------------------------------------

NEW_REQUEST = "nueva"


def registration_composer(first: StageRow) -> None:
    """Inside the registration form, where stage 1 produces material (the unit's text and
    photos in procedure 3, the professional's proposal in procedure 2)."""
    if first.produces_material:
        st.markdown("**Material de la solicitud** (texto, fotos o capturas: será la versión 1)")
        composer(NEW_REQUEST, 0, None)


def registration_submission(first: StageRow) -> materials.Submission | None:
    if not first.produces_material:
        return None
    found = draft(NEW_REQUEST, 0, None)
    return None if found.empty else materials.Submission(found, session.file_store())


# -- Plan de promoción ------------------------------------------------------------------------


def _attach_draft(item_id: str, seq: int, username: str) -> None:
    view = materials.plan_material(session.ledger(), item_id)
    sent = draft(item_id, seq, view.latest)
    session.run(lambda: materials.attach_to_plan(
        session.repository(), username, item_id, materials.Submission(sent, session.file_store()),
        session.now()), f"Borrador de material del ítem {item_id} guardado.", defer_error=True)


def plan_section(item: PlanItem, user: User) -> None:
    """A plan item's draft material; it travels into the request the item becomes."""
    ledger = session.ledger()
    view = materials.plan_material(ledger, item.item_id)
    st.subheader("Material borrador del ítem")
    st.caption("Lo que se adjunte aquí pasa a ser la versión 1 del material de la solicitud "
               "cuando el ítem se convierte en solicitud.")
    session.show_deferred_error()
    if view.latest is None:
        st.caption("El ítem aún no tiene material borrador.")
    else:
        version_block(ledger, session.file_store(), view.latest,
                      f"mat_plan_{item.item_id}_{view.latest.number}")
    if not session.permissions().can(user, Capability.KEEP_PLAN) or \
            item.status is not PlanStatus.PLANNED:
        return
    seq = len(view.versions)
    composer(item.item_id, seq, view.latest)
    st.button("Guardar borrador de material", key=_key(item.item_id, seq, "plan_save"),
              on_click=_attach_draft, args=(item.item_id, seq, user.username))


# -- Auditoría and Salud de datos --------------------------------------------------------------


def audit_section() -> None:
    """Per publication, the approved version and its hash; on demand, every stored file
    checked against its recorded SHA-256."""
    ledger = session.ledger()
    st.subheader("Material publicado: la versión aprobada")
    published = materials.approved_publications(ledger)
    if published:
        st.dataframe(pd.DataFrame([{
            "Solicitud": p.request_id, "Título": p.title,
            "Publicada": _when(p.published_at), "Versión aprobada": p.version,
            "SHA-256 de la versión": p.sha256,
            "Aprobada por": _who(ledger, p.approved_by) if p.approved_by else "—",
            "Aprobada el": _when(p.approved_at),
        } for p in published]), hide_index=True, width="stretch", key="audit_material")
    else:
        st.caption("Ninguna publicación registró material aprobado todavía.")
    if st.button("Verificar los archivos del material", key="audit_files"):
        try:
            result = materials.verify_files(ledger, session.file_store())
        except DomainError as error:
            st.error(error.message)
            return
        if result.intact:
            st.success(f"Los {result.checked} archivo(s) del material ({result.where}) "
                       "conservan la huella SHA-256 registrada, y cada versión coincide con "
                       "la huella de su evento.")
        else:
            st.error(f"{len(result.findings)} problema(s) en el material ({result.where}).")
            st.dataframe(pd.DataFrame([{
                "Solicitud o ítem": f.subject, "Versión": f.version, "Archivo": f.name,
                "Problema": f.problem, "SHA-256 registrado": f.sha256_recorded,
                "SHA-256 actual": f.sha256_now, "Id en el almacén": f.storage_id,
            } for f in result.findings]), hide_index=True, width="stretch",
                key="audit_files_findings")


def orphans_section() -> None:
    """Files in the store that no row records (an upload whose record failed)."""
    st.subheader("Archivos del material sin registro")
    store = session.file_store()
    st.caption(f"Almacén: {store.describe()}. Un archivo subido cuyo registro falló y no se "
               "pudo borrar queda aquí como huérfano; puede borrarse a mano del almacén.")
    if st.button("Buscar archivos huérfanos", key="health_orphans"):
        try:
            found = materials.orphans(session.ledger(), store)
        except DomainError as error:
            st.error(error.message)
            return
        if found:
            st.warning(f"{len(found)} archivo(s) sin registro en el almacén.")
            st.dataframe(pd.DataFrame({"Id en el almacén": found}), hide_index=True,
                         width="stretch", key="health_orphans_list")
        else:
            st.success("Todos los archivos del almacén están registrados.")
