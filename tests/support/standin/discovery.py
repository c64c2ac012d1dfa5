"""Google's discovery document as the stand-in's contract: routes, query parameters and body
schemas. A request that names anything the document does not define is refused with the error
Google sends, so an adapter cannot grow a dependency on a field that only the stand-in knows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ApiError

LOCAL_COPY = Path(__file__).with_name("sheets.v4.discovery.json")
SHARED_COPY = Path("/work/shared/reference/sheets.v4.discovery.json")

# Enum types named in Google's "Invalid value" messages for query parameters.
_ENUM_TYPE_NAMES = {
    "majorDimension": "Dimension",
    "valueRenderOption": "ValueRenderOption",
    "responseValueRenderOption": "ValueRenderOption",
    "dateTimeRenderOption": "DateTimeRenderOption",
    "responseDateTimeRenderOption": "DateTimeRenderOption",
    "valueInputOption": "ValueInputOption",
    "insertDataOption": "InsertDataOption",
}
_PROTO_PREFIX = "type.googleapis.com/google.apps.sheets.v4."


def snake(name: str) -> str:
    """camelCase -> snake_case, as Google writes field paths in error messages."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def camel(name: str) -> str:
    """snake_case -> camelCase (Google's JSON parser accepts both spellings)."""
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@dataclass(frozen=True)
class Method:
    """One REST method of the API, e.g. ``spreadsheets.values.append``."""

    name: str
    http_method: str
    pattern: re.Pattern[str]
    params: dict[str, dict[str, Any]]
    request_schema: str | None
    literal_len: int


def _json_repr(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class Discovery:
    """Loaded discovery document with request validation helpers."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.schemas: dict[str, dict[str, Any]] = doc["schemas"]
        self.global_params: dict[str, dict[str, Any]] = doc["parameters"]
        self.methods: list[Method] = []
        self._collect(doc["resources"], "")
        self.methods.sort(key=lambda m: -m.literal_len)

    def _collect(self, resources: dict[str, Any], prefix: str) -> None:
        for rname, res in resources.items():
            for mname, m in res.get("methods", {}).items():
                flat = m.get("flatPath", m["path"])
                regex = ""
                literal = 0
                for piece in re.split(r"(\{[^}]+\})", flat):
                    if piece.startswith("{"):
                        pname = piece[1:-1].lstrip("+")
                        charset = "[^/]+" if pname == "range" else "[^/:]+"
                        regex += f"(?P<{pname}>{charset})"
                    else:
                        regex += re.escape(piece)
                        literal += len(piece)
                self.methods.append(
                    Method(
                        name=f"{prefix}{rname}.{mname}",
                        http_method=m["httpMethod"],
                        pattern=re.compile("^/" + regex + "$"),
                        params=m.get("parameters", {}),
                        request_schema=(m.get("request") or {}).get("$ref"),
                        literal_len=literal,
                    )
                )
            self._collect(res.get("resources", {}), f"{prefix}{rname}.")

    def route(self, http_method: str, raw_path: str) -> tuple[Method, dict[str, str]] | None:
        """Find the method for a raw (still percent-encoded) path; None if undefined."""
        from urllib.parse import unquote

        for method in self.methods:
            if method.http_method != http_method:
                continue
            m = method.pattern.match(raw_path)
            if m:
                return method, {k: unquote(v) for k, v in m.groupdict().items()}
        return None

    # ------------------------------------------------------------------ query parameters

    def validate_query(self, method: Method, query: dict[str, list[str]]) -> dict[str, Any]:
        """Check query parameters against the method and the API-wide parameters.

        Returns typed values (booleans as bool, repeated parameters as lists).
        """
        out: dict[str, Any] = {}
        for name, values in query.items():
            spec = method.params.get(name)
            if spec is None or spec.get("location") != "query":
                spec = self.global_params.get(name)
            if spec is None:
                raise ApiError.invalid(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                    f"parameter. Field '{name}' could not be found in request message."
                )
            typed = [self._query_value(name, spec, v) for v in values]
            out[name] = typed if spec.get("repeated") else typed[-1]
        return out

    def _query_value(self, name: str, spec: dict[str, Any], value: str) -> Any:
        kind = spec.get("type")
        if kind == "boolean":
            if value.lower() not in ("true", "false"):
                raise ApiError.invalid(
                    f"Invalid value at '{snake(name)}' (TYPE_BOOL), \"{value}\""
                )
            return value.lower() == "true"
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", value):
                raise ApiError.invalid(
                    f"Invalid value at '{snake(name)}' (TYPE_INT32), \"{value}\""
                )
            return int(value)
        if "enum" in spec and value not in spec["enum"]:
            type_name = _ENUM_TYPE_NAMES.get(name, name[:1].upper() + name[1:])
            raise ApiError.invalid(
                f"Invalid value at '{snake(name)}' ({_PROTO_PREFIX}{type_name}), \"{value}\""
            )
        return value

    # ------------------------------------------------------------------ request bodies

    def validate_body(self, schema: str, body: Any, root: str = "") -> Any:
        """Validate a JSON body against ``schema``; returns a normalised copy.

        Normalising means camelCase keys, ``null`` members dropped (Google treats them as
        unset) and numbers given as strings converted, so handlers see one spelling.
        """
        return self._object(schema, body, root)

    def _where(self, path: str) -> str:
        return f" at '{path}'" if path else ""

    def _object(self, schema: str, value: Any, path: str) -> dict[str, Any]:
        spec = self.schemas[schema]
        if not isinstance(value, dict):
            raise ApiError.invalid(
                f"Invalid value at '{path}' ({_PROTO_PREFIX}{schema}), {_json_repr(value)}"
                if path
                else f"Invalid JSON payload received. Expected an object, got {_json_repr(value)}."
            )
        props: dict[str, Any] = spec.get("properties", {})
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = key if key in props else camel(key)
            if name not in props:
                raise ApiError.invalid(
                    f'Invalid JSON payload received. Unknown name "{key}"{self._where(path)}: '
                    "Cannot find field.",
                    field=path,
                )
            if item is None:
                continue
            child = f"{path}.{snake(name)}" if path else snake(name)
            out[name] = self._value(props[name], item, child)
        if schema == "Request" and len(out) != 1:
            where = path or "requests"
            if not out:
                raise ApiError.invalid(f"Invalid {where}: No request set.")
            kinds = ", ".join(sorted(out))
            raise ApiError.invalid(
                f"Invalid JSON payload received. Oneof field 'kind' is already set. "
                f"Cannot set more than one of: {kinds}{self._where(where)}."
            )
        return out

    def _value(self, spec: dict[str, Any], value: Any, path: str) -> Any:
        if "$ref" in spec:
            return self._object(spec["$ref"], value, path)
        kind = spec.get("type")
        if kind == "any":
            return value
        if kind == "array":
            if not isinstance(value, list):
                items = spec.get("items", {})
                type_name = (
                    "type.googleapis.com/google.protobuf.ListValue"
                    if items.get("type") in ("array", "any")
                    else "TYPE_MESSAGE"
                    if "$ref" in items
                    else "TYPE_STRING"
                )
                raise ApiError.invalid(
                    f"Invalid value at '{path}' ({type_name}), {_json_repr(value)}", field=path
                )
            items = spec.get("items", {})
            return [
                v if v is None else self._value(items, v, f"{path}[{i}]")
                for i, v in enumerate(value)
            ]
        if kind == "object":
            if not isinstance(value, dict):
                raise ApiError.invalid(
                    f"Invalid value at '{path}' (TYPE_MESSAGE), {_json_repr(value)}", field=path
                )
            extra = spec.get("additionalProperties")
            if extra is None:
                return value
            return {k: self._value(extra, v, f"{path}[{k}]") for k, v in value.items()}
        if kind == "boolean":
            if not isinstance(value, bool):
                raise ApiError.invalid(
                    f"Invalid value at '{path}' (TYPE_BOOL), {_json_repr(value)}", field=path
                )
            return value
        if kind == "integer":
            if isinstance(value, bool):
                raise ApiError.invalid(
                    f"Invalid value at '{path}' (TYPE_INT32), {_json_repr(value)}", field=path
                )
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, int):
                return value
            if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
                return int(value)
            raise ApiError.invalid(
                f"Invalid value at '{path}' (TYPE_INT32), {_json_repr(value)}", field=path
            )
        if kind == "number":
            if isinstance(value, bool):
                raise ApiError.invalid(
                    f"Invalid value at '{path}' (TYPE_DOUBLE), {_json_repr(value)}", field=path
                )
            if isinstance(value, int | float):
                return value
            try:
                return float(value)
            except (TypeError, ValueError):
                raise ApiError.invalid(
                    f"Invalid value at '{path}' (TYPE_DOUBLE), {_json_repr(value)}", field=path
                ) from None
        if kind == "string":
            if (
                spec.get("format") == "int64"
                and isinstance(value, int)
                and not isinstance(value, bool)
            ):
                return str(value)
            if not isinstance(value, str):
                raise ApiError.invalid(
                    f"Invalid value at '{path}' (TYPE_STRING), {_json_repr(value)}", field=path
                )
            if "enum" in spec and value not in spec["enum"]:
                raise ApiError.invalid(
                    f"Invalid value at '{path}' (TYPE_ENUM), {_json_repr(value)}", field=path
                )
            return value
        return value


@cache
def load_discovery(path: str | None = None) -> Discovery:
    """Load the discovery document, preferring the copy shipped inside ``standin/``."""
    candidates = [Path(path)] if path else [LOCAL_COPY, SHARED_COPY]
    for candidate in candidates:
        if candidate.is_file():
            with candidate.open(encoding="utf-8") as fh:
                return Discovery(json.load(fh))
    raise FileNotFoundError(f"discovery document not found in {candidates}")
