"""The material under approval: which files are acceptable, how a text counts on each
network, and which version a stage submits, approves and publishes.

Why: every approval stage of the manual judges something concrete (a proposal, a design,
the text and photos of a unit). The app keeps each version of that material and writes the
SHA-256 of the version submitted, approved and published into the events' data, which the
hash chain seals: what was published is provably what was approved.

Pure rules, bytes in and verdicts out. Files are recognised by their content (magic
bytes), never by their name; an image's size is read from its header without decoding it,
so an image that declares a huge canvas (a decompression bomb) is refused before anything
opens it. The files themselves live behind :class:`core.domain.ports.FileStore`.

Interpretations, marked in the procedure table: the stages flagged «produce_material»
submit a new version with their forward action; those flagged «aprueba_material» pin the
latest version when they approve; the last stage publishes the pinned version only; a
change after approval returns the request to the approving stage
(:meth:`core.domain.procedures.Procedure.reapproval`).
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

from core.domain.errors import ConcurrentChange, InvalidInput, NotAllowed, RequestClosed
from core.domain.models import (
    MAX_CELL_CHARS,
    Event,
    EventKind,
    Material,
    MaterialKind,
    Network,
    User,
)
from core.domain.procedures import OutcomeKind
from core.domain.roles import UNIT_SCOPED_ROLES, Role
from core.domain.workflow import RequestState

MB = 1024 * 1024
MAX_FILE_BYTES = 25 * MB  # per file (also .streamlit/config.toml server.maxUploadSize)
MAX_VERSION_BYTES = 100 * MB  # every file of one version of a request together
MAX_ITEMS = 30  # pieces in one version
MAX_PIXELS = 40_000_000  # 40 megapixels: more than any network shows, far below a bomb
MAX_LINK_CHARS = 2_000

# Characters a post may hold, per network (README, «Material»: where each figure comes from).
# Facebook's 63,206 is above what one ledger cell holds: the app's own cap is MAX_CELL_CHARS.
NETWORK_LIMITS: dict[Network, int] = {
    Network.X: 280,
    Network.INSTAGRAM: 2_200,
    Network.FACEBOOK: 63_206,
    Network.LINKEDIN: 3_000,
}
PUBLISHING_NETWORKS = (Network.FACEBOOK, Network.INSTAGRAM, Network.X, Network.LINKEDIN)
X_URL_WEIGHT = 23  # X counts every link as 23 characters (t.co)

# Keys of the events' data (sealed by the hash chain).
SUBMITTED = "material"
APPROVED = "material_aprobado"
PUBLISHED = "material_publicado"
REASON = "motivo"
CHANGED_AFTER_APPROVAL = "material_cambiado_tras_aprobacion"
SOMEONE_ELSE_SENT = ("Otra persona envió material a esta solicitud mientras tanto; revise la "
                     "versión actual y vuelva a intentar.")


class MaterialRefused(InvalidInput):
    """A file, text or link that cannot be attached (the message says why)."""


class MaterialChanged(InvalidInput):
    """The material changed after it was approved: it must be approved again."""


# -- numbers as Bolivians write them ---------------------------------------------------------


def _megabytes(size: int) -> str:
    return f"{size / MB:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".") + " MB"


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


# -- files -----------------------------------------------------------------------------------


class FileType(StrEnum):
    """The file types accepted, as media types; recognised by content."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    WEBP = "image/webp"
    GIF = "image/gif"
    PDF = "application/pdf"

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
                "image/gif": "gif", "application/pdf": "pdf"}[self.value]

    @property
    def is_image(self) -> bool:
        return self is not FileType.PDF

    @property
    def label(self) -> str:
        return {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP",
                "image/gif": "GIF", "application/pdf": "PDF"}[self.value]


ACCEPTED = "se aceptan JPEG, PNG, WebP, GIF y PDF (se reconocen por su contenido, no por " \
    "el nombre)"


def sniff(data: bytes) -> FileType | None:
    """The accepted type whose signature ``data`` starts with, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return FileType.JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return FileType.PNG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return FileType.GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return FileType.WEBP
    if data[:5] == b"%PDF-":
        return FileType.PDF
    return None


def _refused_kind(data: bytes) -> str:
    """Why content of an unaccepted type is refused, in Spanish (after the file's name)."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        if b"<svg" in data[:4096].lower():
            return ("es una imagen SVG: no se aceptan porque pueden llevar código que el "
                    "navegador ejecuta; expórtela como PNG o PDF")
        return ("es una página web o un documento con etiquetas (HTML/XML), no una imagen ni "
                "un PDF: no se acepta, aunque su nombre diga otra cosa")
    if data[4:8] == b"ftyp" or data[:4] == b"\x1aE\xdf\xa3" or (
            data[:4] == b"RIFF" and data[8:12] == b"AVI "):
        return ("es un vídeo: los vídeos se adjuntan como enlace (YouTube, Facebook, Google "
                "Drive), no como archivo")
    return f"no es de un tipo aceptado: {ACCEPTED}"


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            index += 2
            continue
        if index + 4 > len(data):
            return None
        length = struct.unpack(">H", data[index + 2:index + 4])[0]
        if length < 2:
            return None
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if index + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[index + 5:index + 9])
            return width, height
        if marker == 0xDA:  # start of scan before any frame header
            return None
        index += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = struct.unpack("<I", data[21:25])[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def image_size(data: bytes, kind: FileType) -> tuple[int, int] | None:
    """(width, height) as the image's header declares them, without decoding; None when the
    header cannot be read."""
    if kind is FileType.PNG:
        if len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        return None
    if kind is FileType.GIF:
        if len(data) >= 10:
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        return None
    if kind is FileType.JPEG:
        return _jpeg_size(data)
    if kind is FileType.WEBP:
        return _webp_size(data)
    return None


@dataclass(frozen=True)
class FileCheck:
    """A file accepted: its type by content, its sanitised name, size and SHA-256."""

    media_type: FileType
    name: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None


def check_file(name: str, data: bytes) -> FileCheck:
    """Accept a file by its content (type, size, declared image size) or refuse it."""
    shown = safe_name(name, None)
    if not data:
        raise MaterialRefused(f"«{shown}» está vacío.")
    if len(data) > MAX_FILE_BYTES:
        raise MaterialRefused(
            f"«{shown}» pesa {_megabytes(len(data))}; el límite es "
            f"{_megabytes(MAX_FILE_BYTES)} por archivo. Redúzcalo o compártalo como enlace.")
    kind = sniff(data)
    if kind is None:
        raise MaterialRefused(f"«{shown}» {_refused_kind(data)}.")
    width = height = None
    if kind.is_image:
        size = image_size(data, kind)
        if size is None or 0 in size:
            raise MaterialRefused(f"«{shown}» parece una imagen {kind.label} pero su "
                                  "encabezado está dañado o incompleto: no se puede abrir.")
        width, height = size
        if width * height > MAX_PIXELS:
            raise MaterialRefused(
                f"«{shown}» declara {_thousands(width)} × {_thousands(height)} píxeles "
                f"({_thousands(width * height // 1_000_000)} megapíxeles); el límite es "
                f"{MAX_PIXELS // 1_000_000} megapíxeles. No se abre: una imagen así puede "
                "agotar la memoria del servidor.")
    return FileCheck(kind, safe_name(name, kind), len(data), hashlib.sha256(data).hexdigest(),
                     width, height)


_UNSAFE_NAME = re.compile(r"[^\w .()\-]+")


def safe_name(name: str, kind: FileType | None) -> str:
    """A file name to show and to offer for download: no path, no control or markup
    characters, at most 100 characters, the extension of its real type."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable())
    base = re.sub(r"[\s_]{2,}", "_", _UNSAFE_NAME.sub("_", base)).strip()
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    stem = stem.strip(" ._-")[:100] or "archivo"
    if kind is not None:
        return f"{stem}.{kind.extension}"
    extension = extension[:10]
    return f"{stem}.{extension}" if extension else stem


# -- texts -----------------------------------------------------------------------------------

URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
HASHTAG = re.compile(r"(?<![\w&])#\w+")
MENTION = re.compile(r"(?<![\w@])@\w{1,50}")


def normalise_text(text: str) -> str:
    """The text as stored and hashed: NFC, line breaks as \\n, no trailing blanks."""
    lines = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in lines.split("\n")).strip("\n")


def _x_weight(char: str) -> int:
    code = ord(char)
    light = (code <= 4351 or 8192 <= code <= 8205 or 8208 <= code <= 8223
             or 8242 <= code <= 8247)
    return 1 if light else 2


def x_length(text: str) -> int:
    """Characters as X counts them (twitter-text v3): a link weighs 23; Latin letters,
    accents and punctuation 1; CJK and emoji 2."""
    text = unicodedata.normalize("NFC", text)
    total, last = 0, 0
    for match in URL.finditer(text):
        total += sum(_x_weight(c) for c in text[last:match.start()]) + X_URL_WEIGHT
        last = match.end()
    return total + sum(_x_weight(c) for c in text[last:])


def text_length(network: Network, text: str) -> int:
    """How long ``text`` is on ``network`` (X weighs characters; the others count them)."""
    text = normalise_text(text)
    return x_length(text) if network is Network.X else len(text)


@dataclass(frozen=True)
class Count:
    network: Network
    length: int
    limit: int

    @property
    def over(self) -> bool:
        return self.length > self.limit

    @property
    def label(self) -> str:
        return (f"{self.network.label}: {_thousands(self.length)} / "
                f"{_thousands(self.limit)} caracteres")


def counts(network: Network, text: str) -> list[Count]:
    """The text against the limit of its network (each network for a common text)."""
    targets = PUBLISHING_NETWORKS if network is Network.ALL else (network,)
    return [Count(n, text_length(n, text), NETWORK_LIMITS[n]) for n in targets]


def check_text(network: Network, text: str) -> str:
    """The text normalised, or refused when it exceeds its network's limit (a common text
    is only warned about per network: it may not be meant for all of them)."""
    cleaned = normalise_text(text)
    if len(cleaned) > MAX_CELL_CHARS:
        raise MaterialRefused(
            f"El texto para {network.label} tiene {_thousands(len(cleaned))} caracteres; la "
            f"aplicación guarda hasta {_thousands(MAX_CELL_CHARS)} (lo que cabe en una celda).")
    if network is not Network.ALL:
        (count,) = counts(network, cleaned)
        if count.over:
            raise MaterialRefused(
                f"El texto para {network.label} tiene {_thousands(count.length)} caracteres "
                f"y el límite de la red es {_thousands(count.limit)}: acórtelo.")
    return cleaned


class Segment(StrEnum):
    TEXT = "texto"
    HASHTAG = "hashtag"
    LINK = "enlace"
    MENTION = "mencion"


def segments(text: str) -> list[tuple[Segment, str]]:
    """The text cut into plain runs, hashtags, mentions and links, for a post preview."""
    found = sorted([(m.start(), m.end(), Segment.LINK) for m in URL.finditer(text)]
                   + [(m.start(), m.end(), Segment.HASHTAG) for m in HASHTAG.finditer(text)]
                   + [(m.start(), m.end(), Segment.MENTION) for m in MENTION.finditer(text)])
    parts: list[tuple[Segment, str]] = []
    position = 0
    for start, end, kind in found:
        if start < position:
            continue  # a hashtag inside a link stays part of the link
        if start > position:
            parts.append((Segment.TEXT, text[position:start]))
        parts.append((kind, text[start:end]))
        position = end
    if position < len(text):
        parts.append((Segment.TEXT, text[position:]))
    return parts


# -- links -----------------------------------------------------------------------------------

DRIVE_HOSTS = ("drive.google.com", "docs.google.com")
VIDEO_HOSTS = ("youtube.com", "youtu.be", "facebook.com", "fb.watch", "vimeo.com",
               "tiktok.com", "instagram.com", "drive.google.com")


def check_link(url: str) -> str:
    """An address people may open: http or https, no spaces or markup, not too long."""
    value = url.strip()
    if not value:
        raise MaterialRefused("El enlace está vacío.")
    if len(value) > MAX_LINK_CHARS:
        raise MaterialRefused(f"El enlace supera {_thousands(MAX_LINK_CHARS)} caracteres.")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc \
            or not URL.fullmatch(value):
        raise MaterialRefused(f"«{value[:120]}» no es un enlace web (debe empezar con "
                              "https:// y no llevar espacios).")
    return value


def link_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.").removeprefix("m.")


def link_label(url: str) -> str:
    """«Google Drive», «YouTube» or the host, to show beside a link."""
    host = link_host(url)
    if host in DRIVE_HOSTS:
        return "Google Drive"
    if host in ("youtube.com", "youtu.be"):
        return "YouTube"
    return host or "enlace"


# -- versions --------------------------------------------------------------------------------


class Piece(Protocol):
    """What a version's hash is made of, for a stored record or one about to be."""

    @property
    def kind(self) -> MaterialKind: ...

    @property
    def network(self) -> Network | None: ...

    @property
    def sha256(self) -> str: ...


def content_hash(text: str) -> str:
    """The SHA-256 of a text or link as stored (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def version_hash(pieces: Iterable[Piece]) -> str:
    """SHA-256 over the version's pieces: one line «kind|network|sha256» each, sorted, so
    the order in which they were attached does not matter and nothing else does."""
    lines = sorted(f"{p.kind.value}|{p.network.value if p.network else ''}|{p.sha256}"
                   for p in pieces)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VersionStamp:
    """A version as an event records it."""

    version: int
    sha256: str
    pieces: int = 0

    def payload(self) -> dict[str, object]:
        data: dict[str, object] = {"version": self.version, "sha256": self.sha256}
        if self.pieces:
            data["piezas"] = self.pieces
        return data

    @classmethod
    def parse(cls, value: object) -> VersionStamp | None:
        if not isinstance(value, dict):
            return None
        version, digest = value.get("version"), value.get("sha256")
        if not isinstance(version, int) or not isinstance(digest, str):
            return None
        pieces = value.get("piezas", 0)
        return cls(version, digest, pieces if isinstance(pieces, int) else 0)

    @property
    def short(self) -> str:
        return f"versión {self.version} · SHA-256 {self.sha256[:12]}…"


@dataclass(frozen=True)
class Stamped:
    """One event's stamp: which event, at which stage, which version."""

    event: Event
    stamp: VersionStamp


@dataclass(frozen=True)
class Trail:
    """What a request's events say of its material: versions submitted, approvals, the
    version published."""

    submitted: tuple[Stamped, ...] = ()
    approved: tuple[Stamped, ...] = ()
    published: Stamped | None = None

    @property
    def latest(self) -> VersionStamp | None:
        return self.submitted[-1].stamp if self.submitted else None

    @property
    def pinned(self) -> VersionStamp | None:
        """The version the last approval fixed."""
        return self.approved[-1].stamp if self.approved else None

    def approval_of(self, version: int) -> Stamped | None:
        return next((s for s in reversed(self.approved) if s.stamp.version == version), None)

    def submission_of(self, version: int) -> Stamped | None:
        return next((s for s in self.submitted if s.stamp.version == version), None)

    def stamp_of(self, version: int) -> VersionStamp | None:
        found = self.submission_of(version)
        return found.stamp if found else None


def trail(events: Iterable[Event]) -> Trail:
    """Read the stamps of a request's (or plan item's) events, in order."""
    submitted: list[Stamped] = []
    approved: list[Stamped] = []
    published: Stamped | None = None
    for event in events:
        if not event.data or "material" not in event.data:
            continue
        payload = event.payload()
        for key, found in ((SUBMITTED, submitted), (APPROVED, approved)):
            stamp = VersionStamp.parse(payload.get(key))
            if stamp is not None:
                found.append(Stamped(event, stamp))
        stamp = VersionStamp.parse(payload.get(PUBLISHED))
        if stamp is not None:
            published = Stamped(event, stamp)
    return Trail(tuple(submitted), tuple(approved), published)


def _with(event: Event, additions: dict[str, object]) -> Event:
    if not additions:
        return event
    payload = {**event.payload(), **additions}
    return event.model_copy(update={"data": json.dumps(payload, ensure_ascii=False,
                                                       sort_keys=True)})


def with_submission(event: Event, submitted: VersionStamp) -> Event:
    """``event`` submitting ``submitted`` (a registration carrying a plan item's draft or the
    intake's links, or a plan item's own draft)."""
    return _with(event, {SUBMITTED: submitted.payload()})


def _forwards(event: Event) -> bool:
    kind = event.outcome.partition(":")[0]
    return kind in (OutcomeKind.FORWARD, OutcomeKind.COMMITTEE)


def next_version(trail_: Trail, versions_in_use: Iterable[int] = ()) -> int:
    """The number the next version of a subject takes."""
    known = [s.stamp.version for s in trail_.submitted] + list(versions_in_use)
    return max(known, default=0) + 1


def stamp(state: RequestState, event: Event, submitted: VersionStamp | None = None,
          *, registration: bool = False) -> Event:
    """``event`` with what it does to the material written into its data, or refused.

    - A stage that produces material submits ``submitted`` with its forward action (a
      registration carries the plan item's draft or the intake's links at stage 1).
    - A stage that approves material pins the latest version when it goes forward.
    - The last stage publishes the pinned version, and refuses when the material changed
      after it was approved (that change should have sent the request back).
    """
    row = state.stage_row
    assert row is not None
    found = trail(state.events)
    additions: dict[str, object] = {}
    latest = found.latest
    if submitted is not None:
        if not registration and not row.produces_material:
            raise MaterialRefused(
                f"La etapa {row.number} ({row.activity}) no produce material: no se adjunta "
                "aquí.")
        if not _forwards(event):
            raise MaterialRefused("El material se envía con la acción que hace avanzar la "
                                  f"etapa {row.number} («{row.action_label}»).")
        if found.latest is not None and submitted.version <= found.latest.version:
            raise ConcurrentChange(SOMEONE_ELSE_SENT)
        additions[SUBMITTED] = submitted.payload()
        latest = submitted
    publishes = _forwards(event) and event.target_stage is None
    if row.approves_material and _forwards(event) and latest is not None:
        additions[APPROVED] = VersionStamp(latest.version, latest.sha256).payload()
    if publishes and latest is not None:
        pinned = found.pinned
        if pinned is None and state.procedure.handles_material:
            raise MaterialChanged(
                f"El material (versión {latest.version}) no fue aprobado en ninguna etapa: "
                "no puede publicarse.")
        if pinned is not None and pinned.version != latest.version:
            raise MaterialChanged(
                f"El material cambió después de aprobado: la versión {latest.version} es más "
                f"nueva que la aprobada ({pinned.version}). Debe volver a aprobarse antes de "
                "publicar.")
        chosen = pinned or latest
        additions[PUBLISHED] = VersionStamp(chosen.version, chosen.sha256).payload()
    return _with(event, additions)


def reapproval_role(state: RequestState, user: User) -> Role | None:
    """The role in which ``user`` may change the material at the current stage, if any."""
    if not state.is_open or not user.active or state.stage is None:
        return None
    transition = state.procedure.reapproval(state.stage)
    if transition is None:
        return None
    allowed = transition.protected_roles if state.protected else transition.roles
    for role in user.roles:
        if role.value not in allowed:
            continue
        if role in UNIT_SCOPED_ROLES and user.unit != state.request.unit:
            continue
        return role
    return None


def decide_reapproval(
    state: RequestState, user: User, submitted: VersionStamp, *, comment: str,
    now: datetime, event_id: str, expected_seq: int,
) -> Event:
    """The event that records new material after approval and sends the request back to
    the stage that approved it (the hash chain keeps both versions)."""
    if expected_seq != state.seq:
        raise ConcurrentChange()
    if not state.is_open or state.stage is None:
        raise RequestClosed(f"La solicitud {state.request.request_id} ya está "
                            f"{state.status.label.lower()}: su material no cambia.")
    transition = state.procedure.reapproval(state.stage)
    if transition is None:
        raise MaterialRefused(f"En la etapa {state.stage} el material no se reemplaza: se "
                              "adjunta al enviar la etapa que lo produce.")
    role = reapproval_role(state, user)
    if role is None:
        raise NotAllowed(f"«{user.full_name}» no puede cambiar el material en la etapa "
                         f"{state.stage}.")
    text = comment.strip()
    if not text:
        raise InvalidInput("Explique qué cambió en el material: quien lo aprobó lo verá.")
    if len(text) > MAX_CELL_CHARS:
        raise InvalidInput(f"El comentario supera {MAX_CELL_CHARS} caracteres.")
    latest = trail(state.events).latest
    if latest is not None and submitted.version <= latest.version:
        raise ConcurrentChange(SOMEONE_ELSE_SENT)
    payload = {SUBMITTED: submitted.payload(), REASON: CHANGED_AFTER_APPROVAL}
    return Event(
        event_id=event_id, kind=EventKind.REQUEST, subject=state.request.request_id,
        seq=state.seq + 1, stage=state.stage, outcome=transition.outcome.code,
        target_stage=transition.target, actor=user.username, role=role.value,
        at=now,
        comment=text, data=json.dumps(payload, ensure_ascii=False, sort_keys=True))


def is_reapproval(event: Event) -> bool:
    return bool(event.data) and CHANGED_AFTER_APPROVAL in event.data


# -- the material of a subject, as stored ---------------------------------------------------


def versions(records: Iterable[Material], subject: str) -> dict[int, list[Material]]:
    """The stored pieces of ``subject``, by version (first row of an id wins)."""
    found: dict[int, list[Material]] = {}
    seen: set[str] = set()
    for record in records:
        if record.subject != subject or record.material_id in seen:
            continue
        seen.add(record.material_id)
        found.setdefault(record.version, []).append(record)
    return dict(sorted(found.items()))


def check_version_size(pieces: Sequence[Piece], sizes: Sequence[int]) -> None:
    """A version holds at most MAX_ITEMS pieces and MAX_VERSION_BYTES of files."""
    if not pieces:
        raise MaterialRefused("No hay material que enviar: agregue un texto, un archivo o un "
                              "enlace.")
    if len(pieces) > MAX_ITEMS:
        raise MaterialRefused(f"Una versión admite hasta {MAX_ITEMS} piezas; tiene "
                              f"{len(pieces)}.")
    total = sum(sizes)
    if total > MAX_VERSION_BYTES:
        raise MaterialRefused(
            f"Los archivos de esta versión suman {_megabytes(total)}; el límite por solicitud "
            f"es {_megabytes(MAX_VERSION_BYTES)}. Comparta los más pesados como enlace.")
