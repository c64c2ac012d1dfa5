"""Cell values as Google stores them, and the text Google renders for them.

Cells are kept in the API's own ``CellData`` shape (``userEnteredValue`` is an
``ExtendedValue``: exactly one of stringValue / numberValue / boolValue / formulaValue /
errorValue). This module turns client input into that shape (RAW vs USER_ENTERED), computes
formula results, and renders FORMATTED_VALUE / UNFORMATTED_VALUE / FORMULA output, because
that is where adapters most often depend on Google's exact behaviour ("0042" becomes 42,
"=1+1" becomes 2, RAW "12345" stays a string).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import struct
from collections.abc import Callable
from typing import Any

from .a1 import col_to_index
from .locales import EN_US, LocaleRules, rules_for

JsonDict = dict[str, Any]
Scalar = str | float | int | bool | None

EPOCH = dt.datetime(1899, 12, 30)
_NUM_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_GROUPED_RE = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+)(\.\d+)?$")
_PERCENT_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))%$")
_CURRENCY_RE = re.compile(r"^([+-]?)\$(\d{1,3}(?:,\d{3})*|\d+)(\.\d+)?$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_US_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class ErrorResult(str):
    """A formula error such as "#DIV/0!" (a ``str`` so it renders as itself)."""


def float32_json(x: float) -> float | int:
    """Render a float the way Google's JSON shows float32 fields (colors): shortest repr."""
    f32 = struct.unpack("f", struct.pack("f", x))[0]
    for digits in range(1, 10):
        text = f"{f32:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == f32:
            val = float(text)
            return int(val) if val.is_integer() else val
    return f32


def quantize_color(color: JsonDict) -> JsonDict:
    """Google stores colors with 8 bits per channel and omits zero channels."""
    out: JsonDict = {}
    for key in ("red", "green", "blue", "alpha"):
        if key not in color or color[key] is None:
            continue
        v = float(color[key])
        if key != "alpha":
            v = math.floor(v * 255 + 1e-6) / 255
        if v != 0 or key == "alpha":
            out[key] = float32_json(v)
    return out


def json_number(x: float) -> float | int:
    """Google writes integral doubles without a fraction (2, not 2.0)."""
    if isinstance(x, bool):
        return x
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e17:
        return int(x)
    return x


# ----------------------------------------------------------------------------- input parsing


def _date_serial(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> float | None:
    try:
        when = dt.datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None
    delta = when - EPOCH
    return delta.days + delta.seconds / 86400


def parse_user_entered(
    value: Any, locale: str | None = None
) -> tuple[JsonDict | None, JsonDict | None]:
    """Interpret one USER_ENTERED input like the Sheets UI does in the spreadsheet's locale
    (separators, boolean words and day/month order; en_US when not given).

    Returns ``(userEnteredValue, numberFormat)``; ``(None, None)`` means "empty the cell".
    """
    rules = rules_for(locale)
    if isinstance(value, bool):
        return {"boolValue": value}, None
    if isinstance(value, int | float):
        return {"numberValue": float(value)}, None
    text = str(value)
    if text == "":
        return None, None
    if text.startswith("="):
        return {"formulaValue": text}, None
    if text.startswith("'"):
        return {"stringValue": text[1:]}, None
    stripped = text.strip()
    if stripped.upper() in (rules.true, rules.false):
        return {"boolValue": stripped.upper() == rules.true}, None
    number = _parse_number(rules.delocalize(stripped))
    if number is not None:
        return number
    return _parse_date_time(stripped, rules) or ({"stringValue": text}, None)


def _parse_number(stripped: str) -> tuple[JsonDict, JsonDict | None] | None:
    """Plain, grouped, percent and dollar amounts written with en_US separators."""
    if _NUM_RE.match(stripped):
        return {"numberValue": float(stripped)}, None
    m = _GROUPED_RE.match(stripped)
    if m:
        decimals = len(m.group(3)) - 1 if m.group(3) else 0
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        num = float(m.group(1) + m.group(2).replace(",", "") + (m.group(3) or ""))
        return {"numberValue": num}, {"type": "NUMBER", "pattern": pattern}
    m = _PERCENT_RE.match(stripped)
    if m:
        decimals = len(m.group(1).split(".")[1]) if "." in m.group(1) else 0
        pattern = "0" + ("." + "0" * decimals if decimals else "") + "%"
        return {"numberValue": float(m.group(1)) / 100}, {"type": "PERCENT", "pattern": pattern}
    m = _CURRENCY_RE.match(stripped)
    if m:
        decimals = len(m.group(3)) - 1 if m.group(3) else 0
        pattern = '"$"#,##0' + ("." + "0" * decimals if decimals else "")
        num = float(m.group(1) + m.group(2).replace(",", "") + (m.group(3) or ""))
        return {"numberValue": num}, {"type": "CURRENCY", "pattern": pattern}
    return None


def _parse_date_time(stripped: str, rules: LocaleRules) -> tuple[JsonDict, JsonDict | None] | None:
    """ISO dates, d/m/y or m/d/y dates (as the locale orders them) and times of day."""
    m = _ISO_DATE_RE.match(stripped)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if m.group(4):
            h, mi, s = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
            serial = _date_serial(y, mo, d, h, mi, s)
            fmt = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd h:mm:ss"}
        else:
            serial = _date_serial(y, mo, d)
            fmt = {"type": "DATE", "pattern": "yyyy-mm-dd"}
        if serial is not None:
            return {"numberValue": serial}, fmt
    m = _US_DATE_RE.match(stripped)
    if m:
        first, second, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        d, mo = (first, second) if rules.day_first else (second, first)
        if m.group(4):
            h, mi, s = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
            serial = _date_serial(y, mo, d, h, mi, s)
            fmt = {"type": "DATE_TIME", "pattern": rules.date_pattern + " h:mm:ss"}
        else:
            serial = _date_serial(y, mo, d)
            fmt = {"type": "DATE", "pattern": rules.date_pattern}
        if serial is not None:
            return {"numberValue": serial}, fmt
    m = _TIME_RE.match(stripped)
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
        secs = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)
        pattern = "h:mm:ss" if m.group(3) else "h:mm"
        return {"numberValue": secs / 86400}, {"type": "TIME", "pattern": pattern + " am/pm"}
    return None


def parse_raw(value: Any) -> JsonDict | None:
    """RAW input: JSON strings stay strings (even "=1+1" or "0042"); "" empties the cell."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": float(value)}
    text = str(value)
    if text == "":
        return None
    return {"stringValue": text}


# ----------------------------------------------------------------------------- rendering


def format_general(x: float, rules: LocaleRules = EN_US) -> str:
    """Google's "General" number rendering (no explicit number format) in a locale."""
    if isinstance(x, bool):
        return rules.true if x else rules.false
    return rules.localize(_general(x))


def _general(x: float) -> str:
    """General rendering with en_US separators (``format_general`` localizes it)."""
    if math.isinf(x) or math.isnan(x):
        return "#NUM!"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    if abs(x) >= 1e15 or (x != 0 and abs(x) < 1e-10):
        mant, exp = f"{x:.5E}".split("E")
        mant = mant.rstrip("0").rstrip(".")
        return f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    text = f"{round(x, 10):.10f}".rstrip("0").rstrip(".")
    significant = f"{x:.15g}"
    if "e" not in significant and len(significant) < len(text):
        text = significant
    return "0" if text in ("-0", "") else text


def _group(intpart: str) -> str:
    out = ""
    while len(intpart) > 3:
        out = "," + intpart[-3:] + out
        intpart = intpart[:-3]
    return intpart + out


def _format_number_pattern(x: float, pattern: str, rules: LocaleRules = EN_US) -> str:
    prefix = ""
    core = pattern
    m = re.match(r'^("[^"]*"|\$)?(.*)$', pattern)
    if m and m.group(1):
        prefix = m.group(1).strip('"')
        core = m.group(2)
    percent = core.endswith("%")
    if percent:
        core = core[:-1]
        x = x * 100
    decimals = len(core.split(".")[1]) if "." in core else 0
    grouped = "," in core
    neg = x < 0
    text = f"{abs(x):.{decimals}f}"
    intpart, _, frac = text.partition(".")
    if grouped:
        intpart = _group(intpart)
    body = rules.localize(intpart + ("." + frac if frac else ""))
    return ("-" if neg else "") + prefix + body + ("%" if percent else "")


@functools.lru_cache(maxsize=256)
def _datetime_tokens(pattern: str) -> tuple[bool, tuple[str, ...]]:
    ampm = "am/pm" in pattern.lower()
    pat = re.sub(r"(?i)\s*am/pm", "", pattern)
    return ampm, tuple(re.findall(r"yyyy|yy|mmmm|mmm|mm|m|dd|d|hh|h|ss|s|[^a-z]+|[a-z]", pat))


_STRFTIME = {"yyyy": "%Y", "dd": "%d", "hh": "%H", "ss": "%S"}


@functools.lru_cache(maxsize=256)
def _strftime_of(pattern: str) -> str | None:
    """The same pattern for ``strftime`` when every token has a locale-free equivalent
    (a fast path for big reads; the token loop below is the reference)."""
    ampm, tokens = _datetime_tokens(pattern)
    if ampm:
        return None
    out, seen_hour = [], False
    for i, tok in enumerate(tokens):
        if tok == "mm":
            nxt = next((t for t in tokens[i + 1 :] if t.isalpha()), "")
            out.append("%M" if seen_hour or nxt in ("ss", "s") else "%m")
        elif tok in _STRFTIME:
            seen_hour = seen_hour or tok == "hh"
            out.append(_STRFTIME[tok])
        elif tok.isalpha():
            return None
        else:
            out.append(tok.replace("%", "%%"))
    return "".join(out)


def _format_datetime(serial: float, pattern: str, rules: LocaleRules = EN_US) -> str:
    when = EPOCH + dt.timedelta(days=serial)
    when = when.replace(microsecond=0) + dt.timedelta(seconds=round(when.microsecond / 1e6))
    fast = _strftime_of(pattern)
    if fast is not None and when.year >= 1000:
        return when.strftime(fast)
    ampm, tokens = _datetime_tokens(pattern)
    out = []
    seen_hour = False
    for i, tok in enumerate(tokens):
        if tok in ("mm", "m"):
            # "m" after an hour (or before seconds) means minutes, as in spreadsheet formats.
            nxt = next((t for t in tokens[i + 1 :] if t.isalpha()), "")
            if seen_hour or nxt in ("ss", "s"):
                out.append(f"{when.minute:02d}" if tok == "mm" else str(when.minute))
                continue
            out.append(f"{when.month:02d}" if tok == "mm" else str(when.month))
        elif tok == "yyyy":
            out.append(f"{when.year:04d}")
        elif tok == "yy":
            out.append(f"{when.year % 100:02d}")
        elif tok == "mmmm":
            out.append(rules.months[when.month - 1])
        elif tok == "mmm":
            out.append(rules.short_months[when.month - 1])
        elif tok in ("dd", "d"):
            out.append(f"{when.day:02d}" if tok == "dd" else str(when.day))
        elif tok in ("hh", "h"):
            seen_hour = True
            hour = when.hour % 12 or 12 if ampm else when.hour
            out.append(f"{hour:02d}" if tok == "hh" else str(hour))
        elif tok in ("ss", "s"):
            out.append(f"{when.second:02d}" if tok == "ss" else str(when.second))
        else:
            out.append(tok)
    text = "".join(out)
    if ampm:
        text += " AM" if when.hour < 12 else " PM"
    return text


def format_number(x: float, number_format: JsonDict | None, locale: str | None = None) -> str:
    """Render a number with the cell's numberFormat (or General when it has none), with the
    spreadsheet locale's separators and month names."""
    rules = rules_for(locale)
    if not number_format:
        return format_general(x, rules)
    kind = number_format.get("type", "NUMBER")
    pattern = number_format.get("pattern") or ""
    if kind in ("DATE", "TIME", "DATE_TIME"):
        defaults = {"DATE": "m/d/yyyy", "TIME": "h:mm:ss am/pm", "DATE_TIME": "m/d/yyyy h:mm:ss"}
        try:
            return _format_datetime(x, pattern or defaults[kind], rules)
        except (OverflowError, ValueError):
            return format_general(x, rules)
    if kind == "TEXT":
        return format_general(x, rules)
    if not pattern:
        pattern = {"PERCENT": "0.00%", "CURRENCY": '"$"#,##0.00', "SCIENTIFIC": "0.00E+00"}.get(
            kind, ""
        )
    if not pattern or "E" in pattern:
        return format_general(x, rules)
    return _format_number_pattern(x, pattern, rules)


def is_datetime_format(number_format: JsonDict | None) -> bool:
    """True when the number is a date/time serial (dateTimeRenderOption applies to it)."""
    return bool(number_format) and number_format.get("type") in ("DATE", "TIME", "DATE_TIME")


# ----------------------------------------------------------------------------- formulas

CellLookup = Callable[[str | None, int, int], Scalar]
RangeLookup = Callable[[str | None, str], list[list[Scalar]]]

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<num>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|
        (?P<str>"(?:[^"]|"")*")|
        (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?\d+
                (?::\$?[A-Za-z]{1,3}\$?\d+)?)|
        (?P<name>[A-Za-z_][\w.]*)|
        (?P<op><>|<=|>=|[-+*/^&=<>(),:%])
    )""",
    re.VERBOSE,
)


class FormulaError(Exception):
    """Evaluation failed with a spreadsheet error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _to_number(v: Scalar) -> float:
    if v is None or v == "":
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, ErrorResult):
        raise FormulaError(str(v))
    try:
        return float(str(v).replace(",", ""))
    except ValueError:
        raise FormulaError("#VALUE!") from None


def _to_text(v: Scalar) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return format_general(v)
    return str(v)


class _Parser:
    """A small recursive-descent evaluator for the formulas tests usually contain."""

    def __init__(self, text: str, cell: CellLookup, rng: RangeLookup) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN_RE.match(text, pos)
            if not m or m.end() == pos:
                raise FormulaError("#ERROR!")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.cell = cell
        self.rng = rng

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise FormulaError("#ERROR!")
        self.i += 1
        return tok

    def parse(self) -> Scalar:
        result = self.comparison()
        if self.peek() is not None:
            raise FormulaError("#ERROR!")
        return result

    def comparison(self) -> Scalar:
        left = self.concat()
        while (tok := self.peek()) and tok[1] in ("=", "<>", "<", ">", "<=", ">="):
            self.take()
            right = self.concat()
            a, b = left, right
            if isinstance(a, str) or isinstance(b, str):
                a, b = _to_text(a).lower(), _to_text(b).lower()
            ops: dict[str, Callable[[Any, Any], bool]] = {
                "=": lambda x, y: x == y,
                "<>": lambda x, y: x != y,
                "<": lambda x, y: x < y,
                ">": lambda x, y: x > y,
                "<=": lambda x, y: x <= y,
                ">=": lambda x, y: x >= y,
            }
            left = ops[tok[1]](a, b)
        return left

    def concat(self) -> Scalar:
        left = self.additive()
        while (tok := self.peek()) and tok[1] == "&":
            self.take()
            left = _to_text(left) + _to_text(self.additive())
        return left

    def additive(self) -> Scalar:
        left = self.term()
        while (tok := self.peek()) and tok[1] in ("+", "-"):
            self.take()
            right = _to_number(self.term())
            left = _to_number(left) + right if tok[1] == "+" else _to_number(left) - right
        return left

    def term(self) -> Scalar:
        left = self.power()
        while (tok := self.peek()) and tok[1] in ("*", "/"):
            self.take()
            right = _to_number(self.power())
            if tok[1] == "*":
                left = _to_number(left) * right
            else:
                if right == 0:
                    raise FormulaError("#DIV/0!")
                left = _to_number(left) / right
        return left

    def power(self) -> Scalar:
        left = self.unary()
        while (tok := self.peek()) and tok[1] == "^":
            self.take()
            left = _to_number(left) ** _to_number(self.unary())
        return left

    def unary(self) -> Scalar:
        tok = self.peek()
        if tok and tok[1] in ("-", "+"):
            self.take()
            val = _to_number(self.unary())
            return -val if tok[1] == "-" else val
        val = self.primary()
        if (nxt := self.peek()) and nxt[1] == "%":
            self.take()
            return _to_number(val) / 100
        return val

    def _args(self) -> list[Any]:
        self.take("(")
        args: list[Any] = []
        if (tok := self.peek()) and tok[1] == ")":
            self.take()
            return args
        while True:
            tok = self.peek()
            if tok and tok[0] == "ref" and ":" in tok[1]:
                self.take()
                sheet, cells = _split_ref(tok[1])
                args.append(self.rng(sheet, cells))
            else:
                args.append(self.comparison())
            tok = self.take()
            if tok[1] == ")":
                return args
            if tok[1] != ",":
                raise FormulaError("#ERROR!")

    def primary(self) -> Scalar:
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            if ":" in text:
                raise FormulaError("#VALUE!")
            sheet, cells = _split_ref(text)
            m = re.match(r"^\$?([A-Za-z]+)\$?(\d+)$", cells)
            assert m
            return self.cell(sheet, int(m.group(2)) - 1, col_to_index(m.group(1)))
        if kind == "name":
            upper = text.upper()
            if upper in ("TRUE", "FALSE") and not ((nxt := self.peek()) and nxt[1] == "("):
                return upper == "TRUE"
            return _call(upper, self._args())
        if text == "(":
            val = self.comparison()
            self.take(")")
            return val
        raise FormulaError("#ERROR!")


def _split_ref(text: str) -> tuple[str | None, str]:
    if "!" not in text:
        return None, text
    sheet, _, cells = text.rpartition("!")
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cells


def _flatten(args: list[Any]) -> list[Scalar]:
    out: list[Scalar] = []
    for a in args:
        if isinstance(a, list):
            for row in a:
                out.extend(row)
        else:
            out.append(a)
    return out


def _numbers(args: list[Any]) -> list[float]:
    out = []
    for a in args:
        if isinstance(a, list):
            out.extend(
                float(v)
                for row in a
                for v in row
                if isinstance(v, int | float) and not isinstance(v, bool)
            )
        else:
            out.append(_to_number(a))
    return out


def _call(name: str, args: list[Any]) -> Scalar:
    if name == "SUM":
        return sum(_numbers(args))
    if name == "AVERAGE":
        nums = _numbers(args)
        if not nums:
            raise FormulaError("#DIV/0!")
        return sum(nums) / len(nums)
    if name in ("MIN", "MAX"):
        nums = _numbers(args)
        return (min if name == "MIN" else max)(nums) if nums else 0.0
    if name == "COUNT":
        return float(
            len(_numbers([a for a in args if isinstance(a, list)]))
            + sum(1 for a in args if not isinstance(a, list) and isinstance(a, int | float))
        )
    if name == "COUNTA":
        return float(sum(1 for v in _flatten(args) if v not in (None, "")))
    if name == "IF":
        cond = args[0] if args else False
        truthy = bool(_to_number(cond)) if not isinstance(cond, str) else cond != ""
        if truthy:
            return args[1] if len(args) > 1 else True
        return args[2] if len(args) > 2 else False
    if name in ("CONCATENATE", "CONCAT"):
        return "".join(_to_text(v) for v in _flatten(args))
    if name == "LEN":
        return float(len(_to_text(args[0])))
    if name == "UPPER":
        return _to_text(args[0]).upper()
    if name == "LOWER":
        return _to_text(args[0]).lower()
    if name == "TRIM":
        return " ".join(_to_text(args[0]).split())
    if name == "ABS":
        return abs(_to_number(args[0]))
    if name == "ROUND":
        digits = int(_to_number(args[1])) if len(args) > 1 else 0
        return float(round(_to_number(args[0]), digits))
    if name == "NOT":
        return not bool(_to_number(args[0]))
    if name == "AND":
        return all(bool(_to_number(v)) for v in _flatten(args))
    if name == "OR":
        return any(bool(_to_number(v)) for v in _flatten(args))
    raise FormulaError("#NAME?")


def evaluate_formula(formula: str, cell: CellLookup, rng: RangeLookup) -> Scalar:
    """Evaluate "=..." and return a number, string, bool or an ``ErrorResult``."""
    try:
        result = _Parser(formula[1:], cell, rng).parse()
    except FormulaError as exc:
        return ErrorResult(exc.code)
    except (RecursionError, OverflowError, ZeroDivisionError):
        return ErrorResult("#ERROR!")
    if result is None:
        return 0.0
    if isinstance(result, int) and not isinstance(result, bool):
        return float(result)
    return result
