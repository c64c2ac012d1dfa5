"""The material under approval: attaching it, changing it after approval, a plan item's
draft and the intake's file links travelling into the request, and what Auditoría and
Salud de datos check on the stored files.

A version is written like every other action: its pieces (rows of the materials tab) are
appended in the same all-or-nothing change as the event that submits them, and that event
carries the version's SHA-256 (core.domain.materials), sealed by the hash chain. Files are
stored first; when the ledger then refuses the change (someone acted first, a role
changed, the sheet is locked), the files this change stored are deleted again, and any
that cannot be deleted are named in the message and listed as orphans on Salud de datos.
When the ledger cannot say whether the write landed (a lost answer), the files are kept:
deleting them could break a version that was recorded.
"""

from __future__ import annotations

import difflib
import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from core.domain import materials as rules
from core.domain.errors import (
    ConcurrentChange,
    DomainError,
    FileStoreError,
    InvalidInput,
    NotFound,
    UncertainWrite,
)
from core.domain.ledger import Ledger
from core.domain.materials import Trail, VersionStamp
from core.domain.models import (
    Event,
    EventKind,
    Material,
    MaterialKind,
    Network,
    PlanItem,
    PlanStatus,
    RequestRow,
    Status,
)
from core.domain.permissions import Capability
from core.domain.ports import Change, FileStore, Repository, Snapshot
from core.domain.requests import standing_update
from core.domain.workdays import WorkCalendar
from core.domain.workflow import RequestState, evolve
from core.services import notifications
from core.services.common import current_user, new_event_id, system_event

T = TypeVar("T")
TEXT_MEDIA_TYPE = "text/plain; charset=utf-8"
LINK_MEDIA_TYPE = "text/uri-list"
PLAN_OUTCOME = "plan_material"


# -- what a person hands over ----------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file as uploaded: its name as the person's computer had it, and its bytes.

    ``kind`` says what the person calls it (an image or a design); a PDF is always a PDF.
    """

    name: str
    data: bytes
    kind: MaterialKind = MaterialKind.IMAGE


@dataclass(frozen=True)
class Draft:
    """A new version as composed on a page: texts per network, files, links, and the
    pieces of the latest version that stay (by id)."""

    texts: Mapping[Network, str] = field(default_factory=dict)
    uploads: Sequence[Upload] = ()
    links: Sequence[tuple[MaterialKind, str]] = ()
    keep: Sequence[str] = ()

    @property
    def empty(self) -> bool:
        return not (any(t.strip() for t in self.texts.values()) or self.uploads
                    or any(u.strip() for _, u in self.links) or self.keep)

    def changes_nothing(self, latest: Sequence[Material]) -> bool:
        """Nothing new: every piece of the latest version kept, and no other."""
        return not (any(t.strip() for t in self.texts.values()) or self.uploads
                    or any(u.strip() for _, u in self.links)) \
            and set(self.keep) == {m.material_id for m in latest}


@dataclass(frozen=True)
class Submission:
    """A draft and the store its files go to (the composition root chooses the store)."""

    draft: Draft
    store: FileStore


# -- a version ready to store and record -----------------------------------------------------


@dataclass(frozen=True)
class NewPiece:
    kind: MaterialKind
    network: Network | None
    name: str
    media_type: str
    size: int
    sha256: str
    content: str = ""
    data: bytes | None = None  # a new file still to store
    storage_id: str = ""  # a file already stored (kept from an earlier version)

    @property
    def is_file(self) -> bool:
        return self.kind.is_file


@dataclass(frozen=True)
class Prepared:
    subject: str
    version: int
    pieces: tuple[NewPiece, ...]

    @property
    def stamp(self) -> VersionStamp:
        return VersionStamp(self.version, rules.version_hash(self.pieces), len(self.pieces))

    def records(self, *, subject: str | None = None, version: int | None = None,
                stage: int | None, actor: str, now: datetime, event_id: str
                ) -> list[Material]:
        """The version's rows (its new files already stored: see :func:`stored_version`)."""
        return [Material(
            material_id=new_material_id(), subject=subject or self.subject,
            version=version or self.version, stage=stage, kind=p.kind, network=p.network,
            name=p.name, media_type=p.media_type, size=p.size, sha256=p.sha256,
            storage_id=p.storage_id, content=p.content, added_by=actor, added_at=now,
            event_id=event_id) for p in self.pieces]


def _kept(record: Material) -> NewPiece:
    return NewPiece(record.kind, record.network, record.name, record.media_type, record.size,
                    record.sha256, record.content, None, record.storage_id)


def text_piece(network: Network, text: str) -> NewPiece:
    cleaned = rules.check_text(network, text)
    data = cleaned.encode("utf-8")
    return NewPiece(MaterialKind.TEXT, network, f"texto-{network.value}.txt", TEXT_MEDIA_TYPE,
                    len(data), hashlib.sha256(data).hexdigest(), cleaned)


def link_piece(kind: MaterialKind, url: str) -> NewPiece:
    if not kind.is_link:
        raise InvalidInput("Un enlace es de un vídeo o de un archivo.")
    cleaned = rules.check_link(url)
    return NewPiece(kind, None, rules.link_label(cleaned), LINK_MEDIA_TYPE,
                    len(cleaned.encode("utf-8")), rules.content_hash(cleaned), cleaned)


def file_piece(upload: Upload) -> NewPiece:
    checked = rules.check_file(upload.name, upload.data)
    kind = MaterialKind.PDF if checked.media_type is rules.FileType.PDF else (
        upload.kind if upload.kind in (MaterialKind.IMAGE, MaterialKind.DESIGN)
        else MaterialKind.IMAGE)
    return NewPiece(kind, None, checked.name, checked.media_type.value, checked.size,
                    checked.sha256, data=upload.data)


def prepare(ledger: Ledger, subject: str, draft: Draft, trail: Trail) -> Prepared:
    """Check everything the draft holds (types by content, sizes, texts, links) and number
    the new version; nothing is stored yet."""
    stored = rules.versions(ledger.all(Material), subject)
    latest = stored.get(trail.latest.version, []) if trail.latest else []
    return prepare_pieces(subject, rules.next_version(trail, stored), draft,
                          {record.material_id: record for record in latest})


def prepare_pieces(subject: str, version: int, draft: Draft,
                   by_id: Mapping[str, Material]) -> Prepared:
    pieces: list[NewPiece] = []
    for material_id in dict.fromkeys(draft.keep):
        if material_id not in by_id:
            raise ConcurrentChange("El material cambió desde que se cargó la página; revise "
                                   "la versión actual y vuelva a intentar.")
        pieces.append(_kept(by_id[material_id]))
    new_texts = {network: text for network, text in draft.texts.items() if text.strip()}
    pieces = [p for p in pieces if not (p.kind is MaterialKind.TEXT and p.network in new_texts)]
    pieces += [text_piece(network, text) for network, text in new_texts.items()]
    pieces += [file_piece(upload) for upload in draft.uploads]
    pieces += [link_piece(kind, url) for kind, url in draft.links if url.strip()]
    unique: dict[tuple[str, str, str], NewPiece] = {}
    for piece in pieces:
        unique.setdefault((piece.kind.value, piece.network or "", piece.sha256), piece)
    chosen = list(unique.values())
    rules.check_version_size(chosen, [p.size for p in chosen if p.is_file])
    return Prepared(subject, version, tuple(chosen))


# -- storing, recording, and undoing ---------------------------------------------------------


def _undo(store: FileStore, created: Sequence[str]) -> list[str]:
    """Delete files this change stored; the ids that could not be deleted."""
    left = []
    for storage_id in created:
        try:
            store.delete(storage_id)
        except (DomainError, OSError):
            left.append(storage_id)
    return left


def _orphan_note(left: Sequence[str]) -> str:
    return (f" Además, {len(left)} archivo(s) subido(s) no se pudieron borrar: quedan en el "
            "almacén sin registro y se listan como huérfanos en «Salud de datos».") if left \
        else ""


def _put_all(prepared: Prepared, store: FileStore) -> tuple[dict[str, str], list[str]]:
    """Store the new files: (SHA-256 -> storage id, ids this call created)."""
    ids: dict[str, str] = {}
    created: list[str] = []
    try:
        for piece in prepared.pieces:
            if piece.data is None or piece.sha256 in ids:
                continue
            stored = store.put(piece.data, piece.name, piece.media_type, piece.sha256)
            ids[piece.sha256] = stored.storage_id
            if stored.created:
                created.append(stored.storage_id)
    except DomainError as error:
        left = _undo(store, created)
        raise type(error)(error.message + _orphan_note(left)) from None
    return ids, created


def stored_version(prepared: Prepared, store: FileStore, run: Callable[[Prepared], T]) -> T:
    """Store the version's new files, then ``run`` the write that records it (given the
    version with its storage ids); undo the files when that write is refused (see the
    module docstring)."""
    ids, created = _put_all(prepared, store)
    ready = replace(prepared, pieces=tuple(
        replace(p, storage_id=p.storage_id or ids.get(p.sha256, ""), data=None)
        for p in prepared.pieces))
    try:
        return run(ready)
    except UncertainWrite:
        raise  # the version may be recorded: its files must stay
    except DomainError as error:
        left = _undo(store, created)
        raise type(error)(error.message + _orphan_note(left)) from None
    except BaseException:
        _undo(store, created)
        raise


def commit_version(repo: Repository, change: Change, prepared: Prepared, store: FileStore,
                   records: Callable[[Prepared], list[Material]]) -> Snapshot:
    """Store the version's new files, add its rows to ``change`` and commit it whole."""

    def run(ready: Prepared) -> Snapshot:
        change.add(*records(ready))
        return repo.commit(change)

    return stored_version(prepared, store, run)


def prepare_new(draft: Draft) -> Prepared | None:
    """Version 1 of a request being registered (None when the draft holds nothing)."""
    if draft.empty:
        return None
    return prepare_pieces("", 1, draft, {})


# -- requests: the stage that produces material, and a change after approval ----------------


def prepare_for_request(ledger: Ledger, state: RequestState, draft: Draft) -> Prepared | None:
    """The version a stage's action submits (None when the draft adds nothing)."""
    if draft.empty:
        return None
    found = rules.trail(state.events)
    latest = rules.versions(ledger.all(Material), state.request.request_id).get(
        found.latest.version, []) if found.latest else []
    if draft.changes_nothing(latest):
        return None
    prepared = prepare(ledger, state.request.request_id, draft, found)
    if found.latest is not None and prepared.stamp.sha256 == found.latest.sha256:
        return None  # the same material again: no new version
    return prepared


def change_after_approval(
    repo: Repository, username: str, request_id: str, submission: Submission, *,
    comment: str, expected_seq: int, now: datetime, calendar: WorkCalendar | None = None,
    event_id: str | None = None, public_url: str = notifications.DEFAULT_PUBLIC_URL,
) -> RequestState:
    """New material after it was approved: recorded, and the request goes back to the stage
    that approved it (rule: core.domain.materials.decide_reapproval)."""
    chosen = event_id or new_event_id()
    ledger = repo.snapshot().ledger
    state = _request_state(ledger, request_id)
    prepared = prepare_for_request(ledger, state, submission.draft)
    if prepared is None:
        raise InvalidInput("No hay material nuevo: cambie un texto, agregue o quite un archivo "
                           "o un enlace.")

    def decision(fresh: Ledger) -> tuple[RequestState, Event]:
        current = _request_state(fresh, request_id)
        return current, rules.decide_reapproval(
            current, current_user(fresh, username), prepared.stamp, comment=comment, now=now,
            event_id=chosen, expected_seq=expected_seq)

    state, event = decision(ledger)
    after = evolve(state, event)
    change = Change(guard=lambda fresh: _ignore(decision(fresh)),
                    summary=f"{request_id}: material cambiado tras aprobación")
    change.add(event)
    change.update(RequestRow, request_id, **standing_update(after))
    notifications.queue_transition(change, ledger, state, after, event, calendar, public_url)
    commit_version(repo, change, prepared, submission.store,
                   lambda ready: ready.records(stage=state.stage, actor=username, now=now,
                                               event_id=chosen))
    return after


def _ignore(_: object) -> None:
    return None


def _request_state(ledger: Ledger, request_id: str) -> RequestState:
    state = ledger.state(request_id)
    if state is None:
        raise NotFound(f"No existe la solicitud {request_id} (o sus datos son inválidos; "
                       "revise Salud de datos).")
    return state


# -- the plan item's draft, and material that arrives with a registration ------------------


def _plan_events(ledger: Ledger, item_id: str) -> list[Event]:
    return [e for _, e in ledger.events if e.kind is EventKind.SYSTEM and e.subject == item_id]


def _plan_item(ledger: Ledger, item_id: str) -> PlanItem:
    found = next((i for i in ledger.all(PlanItem) if i.item_id == item_id), None)
    if found is None:
        raise NotFound(f"No existe el ítem {item_id} del plan.")
    return found


def attach_to_plan(repo: Repository, username: str, item_id: str, submission: Submission,
                   now: datetime, note: str = "") -> int:
    """A draft version of a planned item's material (the professional); its number."""
    ledger = repo.snapshot().ledger
    actor = current_user(ledger, username)
    role = ledger.permissions.require(actor, Capability.KEEP_PLAN)
    item = _plan_item(ledger, item_id)
    if item.status is not PlanStatus.PLANNED:
        raise InvalidInput(f"El ítem {item_id} ya no está planificado: su material sigue en "
                           f"la solicitud {item.request_id or '—'}.")
    if submission.draft.empty:
        raise InvalidInput("No hay material que guardar.")
    found = rules.trail(_plan_events(ledger, item_id))
    prepared = prepare(ledger, item_id, submission.draft, found)
    event = system_event(ledger, item_id, PLAN_OUTCOME, actor, role, now,
                         note.strip() or f"borrador de material, versión {prepared.version}")
    event = rules.with_submission(event, prepared.stamp)
    seq = event.seq

    def guard(fresh: Ledger) -> None:
        fresh.permissions.require(current_user(fresh, username), Capability.KEEP_PLAN)
        if _plan_item(fresh, item_id) != item or fresh.next_seq(EventKind.SYSTEM,
                                                                item_id) != seq:
            raise ConcurrentChange("Otra persona modificó este ítem del plan; revise y vuelva "
                                   "a intentar.")

    change = Change(guard=guard, summary=f"plan: material de {item_id}")
    change.add(event)
    commit_version(repo, change, prepared, submission.store,
                   lambda ready: ready.records(stage=None, actor=username, now=now,
                                               event_id=event.event_id))
    return prepared.version


def _registration(change: Change, request_id: str) -> tuple[int, Event]:
    for index, record in enumerate(change.adds):
        if isinstance(record, Event) and record.kind is EventKind.REQUEST \
                and record.subject == request_id and record.seq == 1:
            return index, record
    raise AssertionError("a registration change holds its first event")


def register_version(change: Change, request_id: str, prepared: Prepared, actor: str,
                     now: datetime) -> None:
    """Version 1 of a new request (its files already stored), recorded by its registration
    event in the registration's own change."""
    index, event = _registration(change, request_id)
    stamped = rules.with_submission(event, replace(prepared, version=1).stamp)
    change.adds[index] = stamped
    change.add(*prepared.records(subject=request_id, version=1, stage=1, actor=actor,
                                 now=now, event_id=event.event_id))


def carry_from_plan(ledger: Ledger, item_id: str, request_id: str, change: Change,
                    actor: str, now: datetime) -> None:
    """The plan item's latest draft becomes version 1 of the request it turns into (same
    files, same hashes: the events show the same SHA-256 on both)."""
    found = rules.trail(_plan_events(ledger, item_id))
    if found.latest is None:
        return
    pieces = rules.versions(ledger.all(Material), item_id).get(found.latest.version, [])
    if not pieces:
        return
    prepared = Prepared(item_id, 1, tuple(_kept(p) for p in pieces))
    register_version(change, request_id, prepared, actor, now)


def split_links(text: str) -> list[str]:
    """Links in a cell: one per line, or separated by commas, semicolons or spaces."""
    for separator in (",", ";", "\r", "\t", " "):
        text = text.replace(separator, "\n")
    return [part.strip() for part in text.split("\n") if part.strip()]


def check_file_links(text: str) -> list[str]:
    """The links of the intake's «archivos» cell, each checked (refused in Spanish)."""
    links = split_links(text)
    for link in links:
        rules.check_link(link)
    if len(links) > rules.MAX_ITEMS:
        raise rules.MaterialRefused(f"hay {len(links)} enlaces; se admiten hasta "
                                    f"{rules.MAX_ITEMS}")
    return links


def carry_links(request_id: str, links: Sequence[str], change: Change, actor: str,
                now: datetime) -> None:
    """Links to files (Drive) given at intake: version 1 of the request."""
    if not links:
        return
    pieces = tuple(link_piece(MaterialKind.LINK, link) for link in dict.fromkeys(links))
    register_version(change, request_id, Prepared(request_id, 1, pieces), actor, now)


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One stored version with what the events say of it."""

    number: int
    pieces: tuple[Material, ...]
    stamp: VersionStamp | None  # as its submitting event recorded it
    submitted_by: str = ""
    submitted_at: datetime | None = None
    stage: int | None = None
    approvals: tuple[rules.Stamped, ...] = ()
    published: bool = False

    @property
    def intact(self) -> bool:
        """The rows still hash to what the event recorded."""
        return self.stamp is not None and rules.version_hash(self.pieces) == self.stamp.sha256

    def texts(self) -> list[Material]:
        return sorted((p for p in self.pieces if p.kind is MaterialKind.TEXT),
                      key=lambda p: list(Network).index(p.network or Network.ALL))

    def files(self) -> list[Material]:
        return [p for p in self.pieces if p.kind.is_file]

    def images(self) -> list[Material]:
        return [p for p in self.pieces if p.kind.is_file and p.media_type.startswith("image/")]

    def links(self) -> list[Material]:
        return [p for p in self.pieces if p.kind.is_link]


@dataclass(frozen=True)
class MaterialView:
    """Every version of a request (or plan item), newest last, and the pins."""

    subject: str
    versions: tuple[Version, ...]
    trail: Trail

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def version(self, number: int) -> Version | None:
        return next((v for v in self.versions if v.number == number), None)

    @property
    def pinned(self) -> Version | None:
        stamp = self.trail.pinned
        return self.version(stamp.version) if stamp else None

    @property
    def published(self) -> Version | None:
        stamp = self.trail.published
        return self.version(stamp.stamp.version) if stamp else None

    @property
    def changed_since_approval(self) -> bool:
        pinned, latest = self.trail.pinned, self.trail.latest
        return pinned is not None and latest is not None and latest.version > pinned.version


def _view(ledger: Ledger, subject: str, events: Iterable[Event]) -> MaterialView:
    found = rules.trail(events)
    stored = rules.versions(ledger.all(Material), subject)
    numbers = sorted(set(stored) | {s.stamp.version for s in found.submitted})
    published = found.published.stamp.version if found.published else None
    built = []
    for number in numbers:
        submission = found.submission_of(number)
        built.append(Version(
            number, tuple(stored.get(number, ())), submission.stamp if submission else None,
            submission.event.actor if submission else "",
            submission.event.at if submission else None,
            submission.event.stage if submission else None,
            tuple(s for s in found.approved if s.stamp.version == number),
            number == published))
    return MaterialView(subject, tuple(built), found)


def request_material(ledger: Ledger, request_id: str) -> MaterialView:
    state = ledger.state(request_id)
    events = state.events if state is not None else [e for _, e in ledger.events_of(request_id)]
    return _view(ledger, request_id, events)


def plan_material(ledger: Ledger, item_id: str) -> MaterialView:
    return _view(ledger, item_id, _plan_events(ledger, item_id))


@dataclass(frozen=True)
class TextChange:
    network: Network
    before: str
    after: str

    def unified(self) -> str:
        lines = difflib.unified_diff(self.before.splitlines(), self.after.splitlines(),
                                     "anterior", "nueva", lineterm="", n=2)
        return "\n".join(lines)


@dataclass(frozen=True)
class VersionDiff:
    """What changed from one version to another: texts line by line, files in and out."""

    before: Version
    after: Version
    texts: tuple[TextChange, ...]
    added: tuple[Material, ...]
    removed: tuple[Material, ...]
    kept: tuple[Material, ...]

    @property
    def empty(self) -> bool:
        return not (self.texts or self.added or self.removed)


def diff(before: Version, after: Version) -> VersionDiff:
    old_texts = {p.network or Network.ALL: p.content for p in before.texts()}
    new_texts = {p.network or Network.ALL: p.content for p in after.texts()}
    texts = tuple(TextChange(n, old_texts.get(n, ""), new_texts.get(n, ""))
                  for n in Network if old_texts.get(n, "") != new_texts.get(n, ""))
    old = {p.sha256: p for p in before.pieces if p.kind is not MaterialKind.TEXT}
    new = {p.sha256: p for p in after.pieces if p.kind is not MaterialKind.TEXT}
    return VersionDiff(before, after, texts,
                       tuple(p for h, p in new.items() if h not in old),
                       tuple(p for h, p in old.items() if h not in new),
                       tuple(p for h, p in new.items() if h in old))


# -- Auditoría: approved versions, files whose bytes changed -------------------------------


@dataclass(frozen=True)
class ApprovedPublication:
    """A published request and the material it published (the version the approval pinned)."""

    request_id: str
    title: str
    published_at: datetime
    version: int
    sha256: str
    approved_by: str
    approved_at: datetime | None


def approved_publications(ledger: Ledger) -> list[ApprovedPublication]:
    found = []
    for state in ledger.states.values():
        if state.status is not Status.PUBLISHED or state.closed_at is None:
            continue
        stamps = rules.trail(state.events)
        if stamps.published is None:
            continue
        chosen = stamps.published.stamp
        approval = stamps.approval_of(chosen.version)
        found.append(ApprovedPublication(
            state.request.request_id, state.request.title, state.closed_at, chosen.version,
            chosen.sha256, approval.event.actor if approval else "",
            approval.event.at if approval else None))
    found.sort(key=lambda a: (a.published_at, a.request_id))
    return found


def publication_material(ledger: Ledger) -> dict[str, VersionStamp]:
    """Request id -> the version its publication recorded (for the Informe Técnico)."""
    found: dict[str, VersionStamp] = {}
    for state in ledger.states.values():
        if state.status is Status.PUBLISHED:
            stamps = rules.trail(state.events)
            if stamps.published is not None:
                found[state.request.request_id] = stamps.published.stamp
    return found


@dataclass(frozen=True)
class FileFinding:
    """A stored file, or a version's rows, that no longer match what was recorded."""

    subject: str
    version: int
    name: str
    problem: str
    sha256_recorded: str = ""
    sha256_now: str = ""
    storage_id: str = ""


@dataclass(frozen=True)
class FileAudit:
    checked: int
    findings: tuple[FileFinding, ...]
    where: str

    @property
    def intact(self) -> bool:
        return not self.findings


def _subjects(ledger: Ledger) -> list[str]:
    return list(dict.fromkeys(m.subject for m in ledger.all(Material)))


def verify_files(ledger: Ledger, store: FileStore) -> FileAudit:
    """Every recorded file against the bytes stored now, and every version's rows against
    the SHA-256 its event recorded (Auditoría; reads the whole store)."""
    inventory = store.inventory()
    findings: list[FileFinding] = []
    checked = 0
    for subject in _subjects(ledger):
        view = request_material(ledger, subject) if subject in ledger.requests \
            else plan_material(ledger, subject)
        for version in view.versions:
            if version.stamp is None:
                findings.append(FileFinding(
                    subject, version.number, "—", "filas de material sin evento que las "
                    "registre (agregadas a mano)"))
            elif not version.intact:
                findings.append(FileFinding(
                    subject, version.number, "—", "las filas de la versión no coinciden con "
                    "la huella que registró su evento (fueron modificadas o borradas)",
                    version.stamp.sha256, rules.version_hash(version.pieces)))
            for piece in version.files():
                checked += 1
                now = inventory.get(piece.storage_id)
                if now == "":  # the store keeps no checksum for it: read the bytes
                    try:
                        now = hashlib.sha256(store.get(piece.storage_id)).hexdigest()
                    except DomainError:
                        now = None
                if now is None:
                    findings.append(FileFinding(subject, version.number, piece.name,
                                                "el archivo ya no está en el almacén",
                                                piece.sha256, "", piece.storage_id))
                elif now != piece.sha256:
                    findings.append(FileFinding(subject, version.number, piece.name,
                                                "el contenido del archivo cambió: sus bytes ya "
                                                "no tienen la huella registrada",
                                                piece.sha256, now, piece.storage_id))
            for piece in version.pieces:
                if not piece.kind.is_file and piece.content and \
                        rules.content_hash(piece.content) != piece.sha256:
                    findings.append(FileFinding(subject, version.number, piece.name,
                                                "el texto o enlace de la fila fue modificado",
                                                piece.sha256,
                                                rules.content_hash(piece.content)))
    return FileAudit(checked, tuple(findings), store.describe())


def orphans(ledger: Ledger, store: FileStore) -> list[str]:
    """Files in the store that no row of the materials tab refers to (an upload whose
    record failed and could not be undone, or a file put there by hand)."""
    referenced = {m.storage_id for m in ledger.all(Material) if m.storage_id}
    return sorted(set(store.inventory()) - referenced)


def read_file(store: FileStore, piece: Material) -> bytes:
    """A piece's bytes, refused when they no longer have its recorded SHA-256."""
    if not piece.kind.is_file or not piece.storage_id:
        raise InvalidInput("Esta pieza no es un archivo.")
    data = store.get(piece.storage_id)
    if hashlib.sha256(data).hexdigest() != piece.sha256:
        raise FileStoreError(f"El archivo «{piece.name}» cambió después de registrado (su "
                             "huella SHA-256 no coincide): no se entrega. Revise Auditoría.")
    return data


def new_material_id() -> str:
    return uuid.uuid4().hex
