"""Drive v3 for the stand-in: folders, shared drives, uploaded files, and the spreadsheet's own
Drive record (``version``/``modifiedTime`` for cheap change detection).

Held to Google's discovery document (``drive.v3.discovery.json``) like the Sheets side:
routes and query parameters come from it, unknown parameters and read-only body fields are
refused. Who may see, upload into, download or delete a file follows Drive's rules for the
caller (owner, explicit permissions, inherited folder permissions, shared-drive membership,
``supportsAllDrives``), because those are the rules an app that stores attachments meets.

``DriveMixin`` is mixed into ``FakeSheetsServer``; it relies on the server's registry
(``_files``, locks, ``_caller``) and keeps its own items, shared drives and upload sessions.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .a1 import Bounds
from .cellvalues import parse_user_entered
from .errors import ApiError
from .fieldmask import FieldMaskError, Mask, apply_mask, parse_mask
from .identity import CALLER, Identity, role_of, role_rank
from .model import JsonDict, Sheet, Spreadsheet

if TYPE_CHECKING:
    import requests

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
FOLDER_MIME = "application/vnd.google-apps.folder"
NATIVE_PREFIX = "application/vnd.google-apps."
DRIVE_JSON = "application/json; charset=UTF-8"
UPLOAD_BASE = "https://www.googleapis.com/upload/drive/v3/files"
LOCAL_COPY = Path(__file__).with_name("drive.v3.discovery.json")
SHARED_COPY = Path("/work/shared/reference/drive.v3.discovery.json")

#: Drive's error reasons: HTTP status, error domain and Google's message.
REASONS: dict[str, tuple[int, str, str]] = {
    "badRequest": (400, "global", "Bad Request"),
    "invalid": (400, "global", "Invalid Value"),
    "invalidParameter": (400, "global", "Invalid Value"),
    "parseError": (400, "global", "Parse Error"),
    "authError": (401, "global", "Invalid Credentials"),
    "forbidden": (403, "global", "Forbidden"),
    "insufficientFilePermissions": (
        403,
        "global",
        "The user does not have sufficient permissions for this file.",
    ),
    "insufficientParentPermissions": (
        403,
        "global",
        "Insufficient permissions for the specified parent.",
    ),
    "cannotAddParent": (403, "global", "Increasing the number of parents is not allowed."),
    "fileNotDownloadable": (
        403,
        "global",
        "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
    ),
    "fieldNotWritable": (
        403,
        "global",
        "The resource body includes fields which are not directly writable.",
    ),
    "storageQuotaExceeded": (
        403,
        "usageLimits",
        "The user's Drive storage quota has been exceeded.",
    ),
    "rateLimitExceeded": (403, "usageLimits", "Rate Limit Exceeded"),
    "userRateLimitExceeded": (403, "usageLimits", "User Rate Limit Exceeded"),
    "notFound": (404, "global", "File not found."),
    "backendError": (500, "global", "Backend Error"),
}
#: The reason an injected Drive fault carries when the test names only a status.
DEFAULT_REASONS = {
    400: "badRequest",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    429: "rateLimitExceeded",
    500: "backendError",
    503: "backendError",
}
SERVICE_ACCOUNT_NO_STORAGE = (
    "Service Accounts do not have storage quota. Leverage shared drives "
    "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), or use "
    "OAuth delegation (http://support.google.com/a/answer/7281227) instead."
)
#: Parameters Google was recorded accepting although the method does not define them
#: (gspread sends includeItemsFromAllDrives to files.get; Google answered 200).
TOLERATED = {("drive.files.get", "includeItemsFromAllDrives")}
#: gspread's CSV import still goes through Drive v2 (not in the v3 document).
V2_IMPORT = re.compile(r"^/upload/drive/v2/files/(?P<fileId>[^/]+)$")
V2_IMPORT_PARAMS = {"uploadType", "convert", "supportsAllDrives", "supportsTeamDrives"}


def drive_error(
    reason: str, message: str | None = None, *, location: str | None = None, code: int = 0
) -> ApiError:
    """Drive v3's error body: ``{"error": {"code", "message", "errors": [...]}}``."""
    status, domain, default = REASONS.get(reason, (code or 400, "global", reason))
    text = message or default
    entry: JsonDict = {"message": text, "domain": domain, "reason": reason}
    if location:
        entry.update({"location": location, "locationType": "parameter"})
    return ApiError(code or status, text, errors=[entry])


def not_found(file_id: str) -> ApiError:
    """Drive's 404 for a file that does not exist or that the caller cannot see."""
    return drive_error("notFound", f"File not found: {file_id}.", location="fileId")


def rfc3339(when: dt.datetime) -> str:
    """Drive's timestamps: UTC with milliseconds."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def root_folder_id(email: str) -> str:
    """A user's My Drive root folder id (stable per user; "root" is its alias)."""
    return "0AR" + hashlib.sha1(email.strip().lower().encode()).hexdigest()[:24]


# ------------------------------------------------------------------------------ discovery


@dataclass(frozen=True)
class DriveMethod:
    """One Drive v3 REST method (``drive.files.create``), possibly on an upload path."""

    name: str
    http_method: str
    pattern: re.Pattern[str]
    params: dict[str, dict[str, Any]]
    upload: bool = False


class DriveDiscovery:
    """Routes and parameter rules from Google's Drive v3 discovery document."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.global_params: dict[str, dict[str, Any]] = doc["parameters"]
        self.file_fields: dict[str, dict[str, Any]] = doc["schemas"]["File"]["properties"]
        self.methods: list[DriveMethod] = []
        self._collect(doc["resources"], "drive.")

    @staticmethod
    def _regex(template: str) -> re.Pattern[str]:
        out = ""
        for piece in re.split(r"(\{[^}]+\})", template):
            if piece.startswith("{"):
                out += f"(?P<{piece[1:-1].lstrip('+')}>[^/]+)"
            else:
                out += re.escape(piece)
        return re.compile("^" + out + "$")

    def _collect(self, resources: dict[str, Any], prefix: str) -> None:
        service = "/" + self.doc["servicePath"]
        for rname, res in resources.items():
            for mname, m in res.get("methods", {}).items():
                name = f"{prefix}{rname}.{mname}"
                params = m.get("parameters", {})
                verb = m["httpMethod"]
                self.methods.append(
                    DriveMethod(name, verb, self._regex(service + m["path"]), params)
                )
                protocols = (m.get("mediaUpload") or {}).get("protocols") or {}
                for proto in protocols.values():
                    pattern = self._regex(proto["path"])
                    self.methods.append(DriveMethod(name, verb, pattern, params, upload=True))
                    # A resumable session receives its bytes with PUT on the same path.
                    self.methods.append(DriveMethod(name, "PUT", pattern, params, upload=True))
            self._collect(res.get("resources", {}), f"{prefix}{rname}.")

    def route(self, http_method: str, raw_path: str) -> tuple[DriveMethod, dict[str, str]] | None:
        """The method for a (still percent-encoded) path, or None when it is undefined."""
        for method in self.methods:
            if method.http_method == http_method:
                m = method.pattern.match(raw_path)
                if m:
                    return method, {k: unquote(v) for k, v in m.groupdict().items()}
        return None

    def validate_query(self, method: DriveMethod, query: dict[str, list[str]]) -> JsonDict:
        """Typed query parameters; unknown names and malformed values are refused."""
        out: JsonDict = {}
        for name, values in query.items():
            spec = method.params.get(name) or self.global_params.get(name)
            if name == "upload_id" and method.upload:
                spec = {"type": "string"}
            if spec is None and (method.name, name) in TOLERATED:
                spec = {"type": "boolean"}
            if spec is None:
                raise drive_error("invalidParameter", f"Invalid parameter: {name}", location=name)
            out[name] = self._typed(name, spec, values[-1])
        return out

    @staticmethod
    def _typed(name: str, spec: dict[str, Any], value: str) -> Any:
        kind = spec.get("type")
        if kind == "boolean":
            if value.lower() not in ("true", "false"):
                raise drive_error(
                    "invalidParameter", f"Invalid value '{value}' for {name}.", location=name
                )
            return value.lower() == "true"
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", value):
                raise drive_error(
                    "invalidParameter", f"Invalid value '{value}' for {name}.", location=name
                )
            return int(value)
        if "enum" in spec and value not in spec["enum"]:
            raise drive_error(
                "invalidParameter", f"Invalid value '{value}' for {name}.", location=name
            )
        return value

    def check_file_body(self, body: JsonDict) -> None:
        """A File body may only name writable File fields (Google: 403 fieldNotWritable)."""
        for key in body:
            spec = self.file_fields.get(key)
            if spec is None:
                raise drive_error("badRequest", f"Invalid field in the request body: {key}.")
            if spec.get("readOnly") or spec.get("description", "").startswith("Output only"):
                raise drive_error("fieldNotWritable")


@cache
def load_drive_discovery(path: str | None = None) -> DriveDiscovery:
    """The Drive v3 discovery document, preferring the copy shipped inside ``standin/``."""
    for candidate in [Path(path)] if path else [LOCAL_COPY, SHARED_COPY]:
        if candidate.is_file():
            with candidate.open(encoding="utf-8") as fh:
                return DriveDiscovery(json.load(fh))
    raise FileNotFoundError("drive.v3.discovery.json not found")


# ------------------------------------------------------------------------------ model


@dataclass
class DriveItem:
    """A folder or an uploaded file (spreadsheets live in the server's ``_files``)."""

    id: str
    name: str
    mime_type: str
    owner: str
    parents: list[str]
    drive_id: str | None = None
    content: bytes | None = None
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    modified: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    version: int = 1
    permissions: list[JsonDict] = field(default_factory=list)
    trashed: bool = False
    extra: JsonDict = field(default_factory=dict)  # description, appProperties, ...

    @property
    def is_folder(self) -> bool:
        """Folders hold other items and have no bytes."""
        return self.mime_type == FOLDER_MIME


@dataclass
class SharedDrive:
    """A shared drive: its members' roles (organizer, fileOrganizer, writer, reader...)."""

    id: str
    name: str
    members: dict[str, str] = field(default_factory=dict)


@dataclass
class UploadSession:
    """A resumable upload between its POST and the PUT of its last byte."""

    operation: str
    caller: Identity
    metadata: JsonDict
    params: JsonDict
    mime_type: str
    total: int | None
    file_id: str | None = None
    received: bytearray = field(default_factory=bytearray)


Record = DriveItem | Spreadsheet


def checksums(content: bytes) -> JsonDict:
    """size and the checksums Drive computes for binary content."""
    return {
        "size": str(len(content)),
        "md5Checksum": hashlib.md5(content).hexdigest(),
        "sha1Checksum": hashlib.sha1(content).hexdigest(),
        "sha256Checksum": hashlib.sha256(content).hexdigest(),
    }


def parse_multipart(body: bytes, content_type: str) -> tuple[JsonDict, bytes, str | None]:
    """A ``multipart/related`` upload: (metadata JSON, media bytes, media Content-Type)."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise drive_error("badRequest", "Missing multipart boundary.")
    delimiter = b"--" + m.group(1).encode()
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in head.decode("latin-1").splitlines())
        }
        parts.append((headers, data))
    if len(parts) != 2:
        raise drive_error("badRequest", "A multipart upload needs a metadata and a media part.")
    try:
        metadata = json.loads(parts[0][1] or b"{}")
    except ValueError:
        raise drive_error("parseError") from None
    return metadata, parts[1][1], parts[1][0].get("content-type")


_Q_CLAUSE = re.compile(
    r"""\s*(?:
        (?P<field>\w+)\s*(?P<op>=|!=|<=|>=|<|>|contains)\s*
            (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|true|false)
        |(?P<inval>'(?:[^'\\]|\\.)*')\s+in\s+(?P<infield>parents|owners|writers|readers)
    )\s*""",
    re.VERBOSE,
)
_Q_FIELDS = {"name", "mimeType", "trashed", "modifiedTime", "createdTime"}


def _unquote(raw: str) -> str:
    return raw[1:-1].replace('\\"', '"').replace("\\'", "'").replace("\\\\", "\\")


def parse_q(q: str) -> list[Callable[[JsonDict], bool]]:
    """Drive's query language, the part apps use: ``name = 'x'``, ``name contains 'x'``,
    ``mimeType != '...'``, ``trashed = false``, ``modifiedTime > '...'``,
    ``'<id>' in parents`` and ``'<email>' in owners|writers|readers``, joined with ``and``."""
    filters: list[Callable[[JsonDict], bool]] = []
    rest = q.strip()
    while rest:
        m = _Q_CLAUSE.match(rest)
        if not m:
            raise drive_error("invalid", location="q")
        if m.group("field"):
            name, op, raw = m.group("field"), m.group("op"), m.group("value")
            if name not in _Q_FIELDS or (op == "contains" and name not in ("name", "mimeType")):
                raise drive_error("invalid", location="q")
            value: Any = raw == "true" if raw in ("true", "false") else _unquote(raw)
            filters.append(_comparison(name, op, value))
        else:
            wanted, where = _unquote(m.group("inval")), m.group("infield")
            filters.append(lambda rec, w=wanted, f=where: w in rec.get(f, []))
        rest = rest[m.end() :]
        if rest.lower().startswith("and "):
            rest = rest[4:]
        elif rest:
            raise drive_error("invalid", location="q")
    return filters


def _comparison(name: str, op: str, value: Any) -> Callable[[JsonDict], bool]:
    def check(rec: JsonDict) -> bool:
        actual = rec.get(name)
        if op == "contains":
            return str(value).lower() in str(actual).lower()
        ops: dict[str, Callable[[Any, Any], bool]] = {
            "=": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b,
            ">=": lambda a, b: a >= b,
        }
        return bool(ops[op](actual, value))

    return check


# ------------------------------------------------------------------------------ the service


class DriveMixin:
    """Drive v3 endpoints and helpers of ``FakeSheetsServer``."""

    # Provided by FakeSheetsServer.
    owner_email: str
    _files: dict[str, Spreadsheet]
    _registry_lock: threading.RLock
    _rng: Any
    _caller: Callable[[], Identity]
    _locked: Callable[[str], Any]
    _mutating: Callable[[str], Any]
    _new_file_id: Callable[[], str]
    _owner_permission: Callable[..., JsonDict]
    create_spreadsheet: Callable[..., str]
    delete_spreadsheet: Callable[[str], None]

    def _init_drive(
        self, *, service_accounts_have_storage: bool, storage_quota_bytes: int | None
    ) -> None:
        self.drive_discovery = load_drive_discovery()
        #: Google stopped giving service accounts Drive storage: their uploads outside a
        #: shared drive fail with storageQuotaExceeded. True restores the old behaviour.
        self.service_accounts_have_storage = service_accounts_have_storage
        #: Bytes each user may own in My Drive (None: unlimited).
        self.storage_quota_bytes = storage_quota_bytes
        self._items: dict[str, DriveItem] = {}
        self._shared_drives: dict[str, SharedDrive] = {}
        self._uploads: dict[str, UploadSession] = {}

    # ================================================================ test-facing helpers

    def add_shared_drive(self, name: str, members: dict[str, str] | None = None) -> str:
        """Create a shared drive; ``members`` maps e-mails to roles (organizer, writer...)."""
        with self._registry_lock:
            drive_id = "0AS" + self._new_file_id()[1:20]
            self._shared_drives[drive_id] = SharedDrive(
                drive_id, name, {k.lower(): v for k, v in (members or {}).items()}
            )
            return drive_id

    def add_folder(self, name: str, *, parent: str | None = None, owner: str | None = None) -> str:
        """Create a folder (in ``parent``: a folder or shared drive id; default the owner's
        My Drive) without a request; returns its id."""
        return self._add_item(name, FOLDER_MIME, None, parent, owner)

    def add_file(
        self,
        name: str,
        content: bytes,
        *,
        parent: str | None = None,
        mime_type: str = "application/octet-stream",
        owner: str | None = None,
    ) -> str:
        """Put a file in Drive without a request (as if someone had uploaded it)."""
        return self._add_item(name, mime_type, content, parent, owner)

    def file_content(self, file_id: str) -> bytes:
        """The bytes of an uploaded file."""
        item = self._items[file_id]
        if item.content is None:
            raise ValueError(f"{file_id} has no binary content")
        return bytes(item.content)

    def file_metadata(self, file_id: str) -> JsonDict:
        """Every Drive field of a file or spreadsheet, as its owner would see them."""
        with self._registry_lock:
            record = self._drive_record(file_id)
            if record is None:
                raise KeyError(file_id)
            return self._resource(record, Identity(record.owner or self.owner_email))

    def share(self, file_id: str, email: str | None, role: str = "writer") -> None:
        """Share a file, folder or spreadsheet as its owner would: ``email`` gets ``role``
        (reader, commenter, writer); ``email=None`` shares with anyone with the link."""
        perm: JsonDict = {
            "kind": "drive#permission",
            "id": str(self._rng.randint(10**9, 10**10)),
            "type": "anyone" if email is None else "user",
            "role": role,
        }
        if email is not None:
            perm["emailAddress"] = email
        if file_id in self._items:
            with self._registry_lock:
                self._items[file_id].permissions.append(perm)
            return
        with self._mutating(file_id) as ss:
            ss.permissions.append(perm)

    def _add_item(
        self, name: str, mime: str, content: bytes | None, parent: str | None, owner: str | None
    ) -> str:
        with self._registry_lock:
            owner = owner or self.owner_email
            drive_id = None
            if parent in self._shared_drives:
                drive_id = parent
            elif parent in self._items:
                drive_id = self._items[parent].drive_id
            elif parent is not None and parent != root_folder_id(owner):
                raise KeyError(f"no folder or shared drive {parent}")
            item = DriveItem(
                id=self._new_file_id(),
                name=name,
                mime_type=mime,
                owner="" if drive_id else owner,
                parents=[parent or root_folder_id(owner)],
                drive_id=drive_id,
                content=content,
            )
            self._items[item.id] = item
            return item.id

    # ================================================================ access rules

    def _drive_record(self, file_id: str) -> Record | None:
        item = self._items.get(file_id)
        return item if item is not None else self._files.get(file_id)

    def _role(self, record: Record, email: str, depth: int = 0) -> str | None:
        """The strongest role ``email`` has on a file: ownership, its permissions, its
        folders' permissions, or membership of its shared drive."""
        best: str | None = None
        drive = self._shared_drives.get(getattr(record, "drive_id", None) or "")
        if drive is not None:
            best = drive.members.get(email.lower())
        elif record.owner and record.owner.lower() == email.lower():
            return "owner"
        direct = role_of(record.permissions, email)
        if role_rank(direct) > role_rank(best):
            best = direct
        for parent in getattr(record, "parents", None) or []:
            folder = self._items.get(parent)
            if folder is not None and depth < 50:
                role = self._role(folder, email, depth + 1)
                if role == "owner":  # owning a folder does not make one owner of its files
                    role = "writer"
                if role_rank(role) > role_rank(best):
                    best = role
        return best

    def _visible(self, record: Record, caller: Identity, all_drives: bool) -> bool:
        """Shared-drive items are invisible without supportsAllDrives, as in Google."""
        if getattr(record, "drive_id", None) and not all_drives:
            return False
        return role_rank(self._role(record, caller.email)) > 0

    def _find(self, file_id: str, caller: Identity, all_drives: bool) -> Record:
        record = self._drive_record(file_id)
        if record is None or not self._visible(record, caller, all_drives):
            raise not_found(file_id)
        return record

    def _require(self, record: Record, caller: Identity, role: str) -> None:
        if role_rank(self._role(record, caller.email)) < role_rank(role):
            raise drive_error("insufficientFilePermissions")

    def _parent_of_new_file(
        self, parents: list[str], caller: Identity, all_drives: bool
    ) -> tuple[str, str | None]:
        """Check the folder a new file goes into: (parent id, shared drive id or None)."""
        if len(parents) > 1:
            raise drive_error("cannotAddParent")
        if not parents or parents[0] in ("root", root_folder_id(caller.email)):
            return root_folder_id(caller.email), None
        parent = parents[0]
        drive = self._shared_drives.get(parent)
        if drive is not None:
            role = drive.members.get(caller.email.lower())
            if not all_drives or role is None:
                raise not_found(parent)
            if role_rank(role) < role_rank("writer"):
                raise drive_error("insufficientParentPermissions")
            return parent, parent
        folder = self._items.get(parent)
        if folder is None or not folder.is_folder or not self._visible(folder, caller, all_drives):
            raise not_found(parent)
        if role_rank(self._role(folder, caller.email)) < role_rank("writer"):
            raise drive_error("insufficientParentPermissions")
        return parent, folder.drive_id

    def _check_storage(self, caller: Identity, drive_id: str | None, size: int) -> None:
        """Storage rules for a new binary file owned by the caller (not in a shared drive)."""
        if drive_id is not None:
            return
        if caller.is_service_account and not self.service_accounts_have_storage:
            raise drive_error("storageQuotaExceeded", SERVICE_ACCOUNT_NO_STORAGE)
        if self.storage_quota_bytes is not None:
            used = sum(
                len(i.content or b"")
                for i in self._items.values()
                if i.owner.lower() == caller.email.lower() and not i.drive_id
            )
            if used + size > self.storage_quota_bytes:
                raise drive_error("storageQuotaExceeded")

    # ================================================================ resources

    def _resource(self, record: Record, caller: Identity) -> JsonDict:
        """Every File field the stand-in knows for ``record``, as ``caller`` sees it."""
        if isinstance(record, Spreadsheet):
            out: JsonDict = {
                "kind": "drive#file",
                "id": record.id,
                "name": record.title,
                "mimeType": SPREADSHEET_MIME,
                "parents": list(record.parents or [root_folder_id(record.owner)]),
                "createdTime": rfc3339(record.created),
                "modifiedTime": rfc3339(record.modified),
                "version": str(record.version + 1),
                "trashed": record.trashed,
                "webViewLink": f"https://docs.google.com/spreadsheets/d/{record.id}/edit",
            }
            drive_id = record.drive_id
        else:
            out = {
                "kind": "drive#file",
                "id": record.id,
                "name": record.name,
                "mimeType": record.mime_type,
                "parents": list(record.parents),
                "createdTime": rfc3339(record.created),
                "modifiedTime": rfc3339(record.modified),
                "version": str(record.version),
                "trashed": record.trashed,
                **copy.deepcopy(record.extra),
            }
            if record.content is not None:
                out.update(checksums(record.content))
                out["quotaBytesUsed"] = "0" if record.drive_id else out["size"]
                if "." in record.name:
                    out["fileExtension"] = record.name.rsplit(".", 1)[1]
                    out["fullFileExtension"] = record.name.split(".", 1)[1]
            drive_id = record.drive_id
        role = self._role(record, caller.email)
        if drive_id:
            out["driveId"] = drive_id
        else:
            owner = record.owner or self.owner_email
            out["owners"] = [
                {
                    "kind": "drive#user",
                    "emailAddress": owner,
                    "me": owner.lower() == caller.email.lower(),
                }
            ]
            out["ownedByMe"] = owner.lower() == caller.email.lower()
        out["capabilities"] = {
            "canEdit": role_rank(role) >= role_rank("writer"),
            "canDownload": role_rank(role) > 0,
            "canDelete": role in ("owner", "organizer"),
            "canTrash": role in ("owner", "organizer", "fileOrganizer"),
            "canAddChildren": out["mimeType"] == FOLDER_MIME
            and role_rank(role) >= role_rank("writer"),
        }
        return out

    @staticmethod
    def _answer(resource: JsonDict, mask: Mask | None) -> JsonDict:
        """Drive's default answer is kind, id, name and mimeType; ``fields`` asks for more."""
        if mask is None:
            return {k: resource[k] for k in ("kind", "id", "name", "mimeType")}
        return apply_mask(resource, mask)

    # ================================================================ dispatch

    def _drive(
        self,
        call: Any,
        method: DriveMethod | None,
        path_params: dict[str, str],
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str] | tuple[int, Any, str, dict[str, str]]:
        if method is None:  # gspread's Drive v2 CSV import
            unknown = set(call.query) - V2_IMPORT_PARAMS
            if unknown:
                name = sorted(unknown)[0]
                raise drive_error("invalidParameter", f"Invalid parameter: {name}", location=name)
            return self._import_csv(path_params["fileId"], request.body)
        params = self.drive_discovery.validate_query(method, call.query)
        mask: Mask | None = None
        if params.get("fields"):
            try:
                mask = parse_mask(params["fields"])
            except FieldMaskError:
                raise drive_error(
                    "invalidParameter",
                    f"Invalid field selection {params['fields']}",
                    location="fields",
                ) from None
        handler = getattr(self, "_" + method.name.replace(".", "_"), None)
        if handler is None:
            raise ApiError(501, f"The stand-in does not implement {method.name}.")
        return handler(method, path_params, params, mask, request)  # type: ignore[no-any-return]

    # ---------------------------------------------------------------- files.create/update

    def _drive_files_create(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str] | tuple[int, Any, str, dict[str, str]]:
        upload = self._upload_step(method, params, request)
        if upload is not None:
            return upload
        metadata, content, media_type = self._read_upload(method, params, request)
        return 200, self._create_file(metadata, content, media_type, params, mask), DRIVE_JSON

    def _drive_files_update(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str] | tuple[int, Any, str, dict[str, str]]:
        upload = self._upload_step(method, params, request, path["fileId"])
        if upload is not None:
            return upload
        metadata, content, _ = self._read_upload(method, params, request)
        return 200, self._update_file(path["fileId"], metadata, content, params, mask), DRIVE_JSON

    def _read_upload(
        self, method: DriveMethod, params: JsonDict, request: requests.PreparedRequest
    ) -> tuple[JsonDict, bytes | None, str | None]:
        """(metadata, media bytes or None, media type) of a create/update request."""
        raw = request.body or b""
        data = raw.encode("utf-8") if isinstance(raw, str) else raw
        kind = params.get("uploadType")
        content_type = request.headers.get("Content-Type", "")
        if not method.upload:
            if kind in ("media", "multipart", "resumable"):
                raise drive_error("badRequest", "Media upload is only accepted on /upload paths.")
            return _json_body(data), None, None
        if kind == "multipart":
            return parse_multipart(data, content_type)
        if kind == "media":
            return {}, data, content_type or None
        raise drive_error("invalidParameter", "Invalid uploadType.", location="uploadType")

    def _create_file(
        self,
        metadata: JsonDict,
        content: bytes | None,
        media_type: str | None,
        params: JsonDict,
        mask: Mask | None,
    ) -> JsonDict:
        self.drive_discovery.check_file_body(metadata)
        caller = self._caller()
        all_drives = bool(params.get("supportsAllDrives") or params.get("supportsTeamDrives"))
        mime = metadata.get("mimeType") or media_type or "application/octet-stream"
        with self._registry_lock:
            parent, drive_id = self._parent_of_new_file(
                list(metadata.get("parents") or []), caller, all_drives
            )
            if mime == SPREADSHEET_MIME:
                new_id = self.create_spreadsheet(
                    metadata.get("name") or "Untitled spreadsheet", owner=caller.email
                )
                ss = self._files[new_id]
                ss.parents, ss.drive_id = [parent], drive_id
                if drive_id:
                    ss.owner = ""
                    ss.permissions = []
                return self._answer(self._resource(ss, caller), mask)
            if mime.startswith(NATIVE_PREFIX) and mime != FOLDER_MIME:
                raise ApiError(501, f"The stand-in's Drive does not create {mime} files.")
            body = b"" if content is None and mime != FOLDER_MIME else content
            if mime != FOLDER_MIME:
                self._check_storage(caller, drive_id, len(body or b""))
            item = DriveItem(
                id=metadata.get("id") or self._new_file_id(),
                name=metadata.get("name") or "Untitled",
                mime_type=mime,
                owner="" if drive_id else caller.email,
                parents=[parent],
                drive_id=drive_id,
                content=None if mime == FOLDER_MIME else body,
                extra=_extra_fields(metadata),
            )
            if item.id in self._items or item.id in self._files:
                raise drive_error("badRequest", "A file already exists with the provided ID.")
            self._items[item.id] = item
            return self._answer(self._resource(item, caller), mask)

    def _update_file(
        self,
        file_id: str,
        metadata: JsonDict,
        content: bytes | None,
        params: JsonDict,
        mask: Mask | None,
    ) -> JsonDict:
        self.drive_discovery.check_file_body(metadata)
        caller = self._caller()
        all_drives = bool(params.get("supportsAllDrives") or params.get("supportsTeamDrives"))
        if "parents" in metadata:
            raise drive_error(
                "fieldNotWritable",
                "The parents field is not directly writable in update requests. Use the "
                "addParents and removeParents parameters instead.",
            )
        with self._registry_lock:
            record = self._find(file_id, caller, all_drives)
            self._require(record, caller, "writer")
            parents = list(getattr(record, "parents", None) or [])
            for gone in filter(None, str(params.get("removeParents") or "").split(",")):
                parents = [p for p in parents if p != gone]
            for added in filter(None, str(params.get("addParents") or "").split(",")):
                new_parent, _ = self._parent_of_new_file([added], caller, all_drives)
                if parents:
                    raise drive_error("cannotAddParent")
                parents.append(new_parent)
            if isinstance(record, Spreadsheet):
                if content is not None:
                    raise ApiError(501, "The stand-in does not replace spreadsheet content.")
                with self._mutating(file_id) as ss:
                    if metadata.get("name"):
                        ss.properties["title"] = metadata["name"]
                    ss.trashed = bool(metadata.get("trashed", ss.trashed))
                    ss.parents = parents
                return self._answer(self._resource(self._files[file_id], caller), mask)
            if content is not None:
                if record.is_folder:
                    raise drive_error("badRequest", "Folders cannot hold content.")
                self._check_storage(caller, record.drive_id, len(content))
                record.content = content
            if metadata.get("name"):
                record.name = metadata["name"]
            if "trashed" in metadata:
                record.trashed = bool(metadata["trashed"])
            record.extra.update(_extra_fields(metadata))
            record.parents = parents
            record.version += 1
            record.modified = max(_now(), record.modified + dt.timedelta(milliseconds=1))
            return self._answer(self._resource(record, caller), mask)

    # ---------------------------------------------------------------- resumable uploads

    def _upload_step(
        self,
        method: DriveMethod,
        params: JsonDict,
        request: requests.PreparedRequest,
        file_id: str | None = None,
    ) -> tuple[int, Any, str] | tuple[int, Any, str, dict[str, str]] | None:
        """The resumable protocol: POST opens a session (answering its URI in Location),
        each PUT adds bytes (308 with Range until complete), the last PUT creates the file."""
        if not method.upload or params.get("uploadType") != "resumable":
            return None
        if request.method == "PUT":
            return self._upload_put(params, request)
        raw = request.body or b""
        metadata = _json_body(raw.encode("utf-8") if isinstance(raw, str) else raw)
        self.drive_discovery.check_file_body(metadata)
        caller = self._caller()
        all_drives = bool(params.get("supportsAllDrives"))
        with self._registry_lock:
            if file_id is None:
                _, drive_id = self._parent_of_new_file(
                    list(metadata.get("parents") or []), caller, all_drives
                )
                if metadata.get("mimeType") != FOLDER_MIME:
                    total = request.headers.get("X-Upload-Content-Length")
                    self._check_storage(caller, drive_id, int(total or 0))
            else:
                self._require(self._find(file_id, caller, all_drives), caller, "writer")
            upload_id = "ABdu" + self._new_file_id()[1:30]
            total_header = request.headers.get("X-Upload-Content-Length")
            self._uploads[upload_id] = UploadSession(
                operation=method.name,
                caller=caller,
                metadata=metadata,
                params={k: v for k, v in params.items() if k != "uploadType"},
                mime_type=request.headers.get("X-Upload-Content-Type") or "",
                total=int(total_header) if total_header else None,
                file_id=file_id,
            )
        target = f"{UPLOAD_BASE}/{file_id}" if file_id else UPLOAD_BASE
        location = f"{target}?uploadType=resumable&upload_id={upload_id}"
        return (
            200,
            None,
            "text/plain; charset=utf-8",
            {
                "Location": location,
                "X-GUploader-UploadID": upload_id,
            },
        )

    def _upload_put(
        self, params: JsonDict, request: requests.PreparedRequest
    ) -> tuple[int, Any, str] | tuple[int, Any, str, dict[str, str]]:
        session = self._uploads.get(str(params.get("upload_id") or ""))
        if session is None:
            raise drive_error("notFound", "Upload session not found.")
        raw = request.body or b""
        chunk = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        spec = request.headers.get("Content-Range", "")
        m = re.fullmatch(r"bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)", spec.strip()) if spec else None
        if spec and not m:
            raise drive_error("badRequest", f"Invalid Content-Range: {spec}")
        total = session.total
        if m:
            if m.group(3) != "*":
                total = int(m.group(3))
            if m.group(1) is not None:
                if int(m.group(1)) != len(session.received):
                    raise drive_error(
                        "badRequest", "The chunk does not start where the last ended."
                    )
                session.received.extend(chunk)
        else:
            session.received.extend(chunk)
            total = len(session.received)
        if total is None or len(session.received) < total:
            headers = {}
            if session.received:
                headers["Range"] = f"bytes=0-{len(session.received) - 1}"
            return 308, None, "text/plain; charset=utf-8", headers
        del self._uploads[str(params["upload_id"])]
        mask = parse_mask(session.params["fields"]) if session.params.get("fields") else None
        token = CALLER.set(session.caller)
        try:
            content = bytes(session.received)
            if session.file_id is not None:
                body = self._update_file(
                    session.file_id, session.metadata, content, session.params, mask
                )
            else:
                body = self._create_file(
                    session.metadata, content, session.mime_type or None, session.params, mask
                )
        finally:
            CALLER.reset(token)
        return 200, body, DRIVE_JSON

    # ---------------------------------------------------------------- files.get/list/delete

    def _drive_files_get(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str]:
        caller = self._caller()
        all_drives = bool(params.get("supportsAllDrives") or params.get("supportsTeamDrives"))
        with self._registry_lock:
            record = self._find(path["fileId"], caller, all_drives)
            if params.get("alt") == "media":
                if isinstance(record, Spreadsheet) or record.content is None:
                    raise drive_error("fileNotDownloadable", location="alt")
                return 200, bytes(record.content), record.mime_type
            return 200, self._answer(self._resource(record, caller), mask), DRIVE_JSON

    def _drive_files_list(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str]:
        caller = self._caller()
        corpora = params.get("corpora") or "user"
        drive_id = params.get("driveId") or params.get("teamDriveId")
        all_items = bool(
            params.get("includeItemsFromAllDrives") or params.get("includeTeamDriveItems")
        )
        supports = bool(params.get("supportsAllDrives") or params.get("supportsTeamDrives"))
        if (corpora == "drive") != bool(drive_id):
            raise drive_error(
                "invalid",
                "The driveId parameter must be specified if and only if corpora is set to drive.",
                location="driveId",
            )
        if corpora in ("drive", "allDrives") and not (all_items and supports):
            raise drive_error(
                "invalid",
                "The includeItemsFromAllDrives and supportsAllDrives parameters must be set to "
                f"true when corpora is set to {corpora}.",
                location="includeItemsFromAllDrives",
            )
        filters = parse_q(params.get("q") or "")
        root = root_folder_id(caller.email)
        with self._registry_lock:
            records: list[Record] = [*self._files.values(), *self._items.values()]
            matched = []
            for record in sorted(records, key=lambda r: r.modified, reverse=True):
                in_drive = getattr(record, "drive_id", None)
                if corpora == "drive" and in_drive != drive_id:
                    continue
                if in_drive and not (all_items and supports):
                    continue
                if not self._visible(record, caller, True):
                    continue
                resource = self._resource(record, caller)
                searchable = {
                    **resource,
                    "parents": ["root" if p == root else p for p in resource["parents"]]
                    + resource["parents"],
                    "owners": [o["emailAddress"] for o in resource.get("owners", [])],
                    "writers": self._holders(record, "writer"),
                    "readers": self._holders(record, "reader"),
                }
                if all(f(searchable) for f in filters):
                    matched.append(resource)
        size = min(int(params.get("pageSize") or 100), 1000)
        token = str(params.get("pageToken") or "0")
        start = int(token) if token.isdigit() else 0
        page = matched[start : start + size]
        out: JsonDict = {"kind": "drive#fileList", "incompleteSearch": False}
        if start + size < len(matched):
            out["nextPageToken"] = str(start + size)
        if mask is None:
            out["files"] = [self._answer(f, None) for f in page]
            return 200, out, DRIVE_JSON
        out["files"] = page
        return 200, apply_mask(out, mask), DRIVE_JSON

    def _holders(self, record: Record, role: str) -> list[str]:
        """E-mails holding at least ``role`` directly on a file (for ``in writers``)."""
        emails = [
            p.get("emailAddress", "")
            for p in record.permissions
            if role_rank(p.get("role")) >= role_rank(role)
        ]
        if record.owner:
            emails.append(record.owner)
        return [e for e in emails if e]

    def _drive_files_delete(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str]:
        caller = self._caller()
        all_drives = bool(params.get("supportsAllDrives") or params.get("supportsTeamDrives"))
        file_id = path["fileId"]
        with self._registry_lock:
            record = self._find(file_id, caller, all_drives)
            if self._role(record, caller.email) not in ("owner", "organizer"):
                raise drive_error("insufficientFilePermissions")
            if isinstance(record, Spreadsheet):
                self.delete_spreadsheet(file_id)
            else:
                self._delete_tree(file_id)
        return 204, None, "text/html"

    def _delete_tree(self, item_id: str) -> None:
        """Deleting a folder deletes what it holds (Drive skips the trash for these)."""
        self._items.pop(item_id, None)
        for child in [i.id for i in self._items.values() if item_id in i.parents]:
            self._delete_tree(child)
        for ss_id in [s.id for s in self._files.values() if item_id in (s.parents or [])]:
            self.delete_spreadsheet(ss_id)

    # ---------------------------------------------------------------- copy, export, comments

    def _drive_files_copy(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str]:
        body = _json_body(request.body)
        self.drive_discovery.check_file_body(body)
        caller = self._caller()
        all_drives = bool(params.get("supportsAllDrives") or params.get("supportsTeamDrives"))
        file_id = path["fileId"]
        with self._registry_lock:
            source = self._find(file_id, caller, all_drives)
            wanted = body.get("parents") or list(getattr(source, "parents", None) or [])
            parent, drive_id = self._parent_of_new_file(wanted[:1], caller, all_drives)
            if isinstance(source, Spreadsheet):
                with self._locked(file_id) as src:
                    clone = src.clone()
                clone.id = self._new_file_id()
                clone.properties["title"] = body.get("name") or f"Copy of {src.title}"
                clone.created = clone.modified = _now()
                clone.version = 0
                clone.owner = "" if drive_id else caller.email
                clone.permissions = [] if drive_id else [self._owner_permission(caller.email)]
                clone.parents, clone.drive_id = [parent], drive_id
                self._files[clone.id] = clone
                return 200, self._answer(self._resource(clone, caller), mask), DRIVE_JSON
            if source.content is None:
                raise drive_error("badRequest", "Folders cannot be copied.")
            self._check_storage(caller, drive_id, len(source.content))
            item = DriveItem(
                id=self._new_file_id(),
                name=body.get("name") or f"Copy of {source.name}",
                mime_type=source.mime_type,
                owner="" if drive_id else caller.email,
                parents=[parent],
                drive_id=drive_id,
                content=bytes(source.content),
                extra={**source.extra, **_extra_fields(body)},
            )
            self._items[item.id] = item
            return 200, self._answer(self._resource(item, caller), mask), DRIVE_JSON

    def _drive_files_export(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str]:
        file_id, mime = path["fileId"], str(params.get("mimeType") or "")
        record = self._find(file_id, self._caller(), True)
        if not isinstance(record, Spreadsheet):
            raise drive_error("badRequest", "Export only supports Docs Editors files.")
        if mime not in ("text/csv", "text/tab-separated-values"):
            raise ApiError(501, f"The stand-in only exports CSV/TSV, not {mime!r}.")
        with self._locked(file_id) as ss:
            sheet = ss.sheets[0]
            values = ss.read_values(sheet, Bounds(0, 0, sheet.row_count, sheet.col_count))
        buf = io.StringIO()
        writer = csv.writer(
            buf, delimiter="," if mime == "text/csv" else "\t", lineterminator="\r\n"
        )
        width = max((len(r) for r in values), default=0)
        for row in values:
            writer.writerow(row + [""] * (width - len(row)))
        text = buf.getvalue()
        if text.endswith("\r\n"):
            text = text[:-2]
        return 200, text.encode("utf-8"), mime

    def _drive_comments_list(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str]:
        self._find(path["fileId"], self._caller(), True)
        return 200, apply_mask({"kind": "drive#commentList", "comments": []}, mask), DRIVE_JSON

    # ---------------------------------------------------------------- permissions

    def _drive_permissions_list(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str]:
        record = self._find(path["fileId"], self._caller(), True)
        perms = copy.deepcopy(record.permissions)
        return (
            200,
            apply_mask({"kind": "drive#permissionList", "permissions": perms}, mask),
            DRIVE_JSON,
        )

    def _drive_permissions_create(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str]:
        body = _json_body(request.body)
        caller = self._caller()
        file_id = path["fileId"]
        record = self._find(file_id, caller, True)
        self._require(record, caller, "writer")
        perm = {
            "kind": "drive#permission",
            "id": str(self._rng.randint(10**9, 10**10)),
            **{k: v for k, v in body.items() if v is not None},
        }
        if isinstance(record, Spreadsheet):
            with self._mutating(file_id) as ss:
                ss.permissions.append(perm)
        else:
            with self._registry_lock:
                record.permissions.append(perm)
        return 200, apply_mask(perm, mask), DRIVE_JSON

    def _drive_permissions_delete(
        self,
        method: DriveMethod,
        path: dict[str, str],
        params: JsonDict,
        mask: Mask | None,
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str]:
        caller = self._caller()
        file_id, perm_id = path["fileId"], path["permissionId"]
        record = self._find(file_id, caller, True)
        self._require(record, caller, "writer")

        def drop(perms: list[JsonDict]) -> None:
            before = len(perms)
            perms[:] = [p for p in perms if p["id"] != perm_id]
            if len(perms) == before:
                raise drive_error(
                    "notFound", f"Permission not found: {perm_id}.", location="permissionId"
                )

        if isinstance(record, Spreadsheet):
            with self._mutating(file_id) as ss:
                drop(ss.permissions)
        else:
            with self._registry_lock:
                drop(record.permissions)
        return 204, None, "text/html"

    # ---------------------------------------------------------------- Drive v2 CSV import

    def _import_csv(self, file_id: str, raw: bytes | str | None) -> tuple[int, Any, str]:
        if file_id not in self._files:
            raise not_found(file_id)
        text = raw.decode("utf-8") if isinstance(raw, bytes) else (raw or "")
        rows = list(csv.reader(io.StringIO(text)))
        with self._mutating(file_id) as ss:
            sheet = Sheet(
                {
                    "sheetId": self._rng.randint(1, 2**31 - 1),
                    "title": ss.title,
                    "sheetType": "GRID",
                    "gridProperties": {
                        "rowCount": max(1000, len(rows)),
                        "columnCount": max(26, *(len(r) for r in rows)) if rows else 26,
                    },
                }
            )
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    uev, fmt = parse_user_entered(value, ss.locale)
                    sheet.set_value(r, c, uev, fmt)
            ss.sheets = [sheet]
            ss.named_ranges = []
            # Drive's converter gives imported files its default zone, as Google's did.
            ss.properties["timeZone"] = "America/Los_Angeles"
            out = {
                "kind": "drive#file",
                "id": ss.id,
                "title": ss.title,
                "mimeType": SPREADSHEET_MIME,
            }
        return 200, out, DRIVE_JSON


# ------------------------------------------------------------------------------ small helpers


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _json_body(raw: bytes | str | None) -> JsonDict:
    """A JSON object body (empty when absent); malformed JSON is Drive's parseError."""
    if raw in (None, b"", ""):
        return {}
    try:
        value = json.loads(raw)  # type: ignore[arg-type]
    except ValueError:
        raise drive_error("parseError") from None
    if not isinstance(value, dict):
        raise drive_error("parseError")
    return {k: v for k, v in value.items() if v is not None}


def _extra_fields(metadata: JsonDict) -> JsonDict:
    """Writable File fields the stand-in stores as given (description, appProperties...)."""
    handled = {"id", "name", "mimeType", "parents", "trashed"}
    return {k: copy.deepcopy(v) for k, v in metadata.items() if k not in handled}
