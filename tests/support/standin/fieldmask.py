"""Google field masks ("a,b(c,d),e.f", "a/b", "*"), used both for partial responses
(``?fields=``) and for the ``fields`` member of update requests.

Adapters routinely ask for ``fields=sheets.properties`` to save quota, so the stand-in must
trim responses exactly like Google: missing members are left out, existing parents stay.
"""

from __future__ import annotations

from typing import Any

Mask = dict[str, "Mask | None"]  # None = the whole sub-tree


class FieldMaskError(ValueError):
    """The mask text is malformed."""


def parse_mask(text: str) -> Mask | None:
    """Parse a mask; returns ``None`` for "everything" ("" or "*")."""
    text = text.strip()
    if text in ("", "*"):
        return None
    pos = 0

    def parse_list(end: str | None) -> Mask:
        nonlocal pos
        mask: Mask = {}
        while True:
            path = []
            name = ""
            while pos < len(text) and text[pos] not in ",()":
                ch = text[pos]
                if ch in "./":
                    if not name:
                        raise FieldMaskError(text)
                    path.append(name.strip())
                    name = ""
                else:
                    name += ch
                pos += 1
            name = name.strip()
            sub: Mask | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list(")")
                if name:
                    path.append(name)
                elif not path:
                    raise FieldMaskError(text)
            else:
                if not name:
                    raise FieldMaskError(text)
                path.append(name)
            _insert(mask, path, sub)
            if pos >= len(text):
                if end is not None:
                    raise FieldMaskError(text)
                return mask
            ch = text[pos]
            pos += 1
            if ch == ",":
                continue
            if ch == ")" and end == ")":
                return mask
            raise FieldMaskError(text)

    return parse_list(None)


def _insert(mask: Mask, path: list[str], sub: Mask | None) -> None:
    node = mask
    for part in path[:-1]:
        if part == "*":
            return
        existing = node.get(part, {})
        if existing is None:
            return  # an ancestor is already fully selected
        node[part] = existing
        node = existing
    last = path[-1]
    if last == "*":
        return
    if sub is None or node.get(last, {}) is None:
        node[last] = None
        return
    existing = node.get(last) or {}
    for key, value in sub.items():
        _insert(existing, [key], value)
    node[last] = existing


def apply_mask(value: Any, mask: Mask | None) -> Any:
    """Keep only the selected members of a JSON value (lists are masked element-wise)."""
    if mask is None:
        return value
    if isinstance(value, list):
        return [apply_mask(v, mask) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in mask.items():
        if key in value:
            out[key] = apply_mask(value[key], sub)
    return out


def mask_paths(mask: Mask | None, prefix: str = "") -> list[str]:
    """Flatten a mask into dotted leaf paths ("gridProperties.rowCount")."""
    if mask is None:
        return [prefix] if prefix else []
    paths: list[str] = []
    for key, sub in mask.items():
        full = f"{prefix}.{key}" if prefix else key
        paths.extend(mask_paths(sub, full))
    return paths


def mask_selects(mask: Mask | None, path: list[str]) -> bool:
    """True if the mask selects anything at or below ``path`` (e.g. ["sheets", "data"])."""
    node: Mask | None = mask
    for part in path:
        if node is None:
            return True
        if part not in node:
            return False
        node = node[part]
    return True
