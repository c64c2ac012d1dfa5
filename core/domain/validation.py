"""Spanish reasons for pydantic's validation errors, for people fixing a spreadsheet."""

from __future__ import annotations

from typing import Any

_REASONS = {
    "missing": "falta el valor",
    "string_too_short": "no puede estar vacío",
    "int_parsing": "debe ser un número entero",
    "int_type": "debe ser un número entero",
    "float_parsing": "debe ser un número",
    "greater_than_equal": "el número es demasiado pequeño",
    "less_than_equal": "el número es demasiado grande",
    "date_parsing": "no es una fecha válida (use DD/MM/AAAA)",
    "date_from_datetime_parsing": "no es una fecha válida (use DD/MM/AAAA)",
    "date_from_datetime_inexact": "debe ser una fecha sin hora (DD/MM/AAAA)",
    "datetime_parsing": "no es una fecha y hora válida (use DD/MM/AAAA HH:MM)",
    "datetime_from_date_parsing": "no es una fecha y hora válida (use DD/MM/AAAA HH:MM)",
    "bool_parsing": "use «sí» o «no»",
    "string_too_long": "el texto es demasiado largo",
    "literal_error": "valor no permitido",
    "enum": "valor no permitido",
    "string_pattern_mismatch": "formato no válido",
}


def thousands(number: object) -> str:
    """A whole number as Bolivians write it: 32.767."""
    return f"{int(str(number)):,}".replace(",", ".")


def spanish_reason(error: Any) -> str:
    """One short Spanish sentence for one pydantic error dict."""
    kind = error.get("type", "")
    if kind == "value_error":
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ")
    if kind == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        return f"valor no permitido (se espera {expected})" if expected else "valor no permitido"
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return f"el texto supera {thousands(limit)} caracteres" if limit else _REASONS[kind]
    return _REASONS.get(kind, str(error.get("msg", "valor no válido")))
