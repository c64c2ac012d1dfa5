"""The spreadsheet locale's effect on values: how numbers, booleans and dates are shown
(FORMATTED_VALUE) and how typed text is read (USER_ENTERED).

Google formats with the spreadsheet's ``properties.locale``, not the caller's. A ledger set
to ``es_BO`` shows ``1234,5`` and ``VERDADERO`` and reads ``05/02/2027`` as 5 February; an
adapter that reads formatted values or lets people type dates depends on exactly this.
"""

from __future__ import annotations

from dataclasses import dataclass

_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_ES_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
_PT_MONTHS = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
]


@dataclass(frozen=True)
class LocaleRules:
    """What a locale changes: separators, boolean words, date order, month names."""

    decimal: str = "."
    group: str = ","
    true: str = "TRUE"
    false: str = "FALSE"
    day_first: bool = False
    months: tuple[str, ...] = tuple(_EN_MONTHS)
    short_months: tuple[str, ...] = tuple(m[:3] for m in _EN_MONTHS)

    def localize(self, text: str) -> str:
        """Swap the en_US separators of a rendered number for this locale's."""
        if (self.decimal, self.group) == (".", ","):
            return text
        return text.translate({ord("."): "\0", ord(","): self.group}).replace("\0", self.decimal)

    def delocalize(self, text: str) -> str:
        """Rewrite typed number text with en_US separators ("1.234,5" -> "1,234.5")."""
        if (self.decimal, self.group) == (".", ","):
            return text
        return text.translate({ord(self.group): "\0", ord(self.decimal): "."}).replace("\0", ",")

    @property
    def date_pattern(self) -> str:
        """The pattern Google gives a date typed as d/m/y or m/d/y."""
        return "d/m/yyyy" if self.day_first else "m/d/yyyy"


EN_US = LocaleRules()
_SPANISH = LocaleRules(
    decimal=",",
    group=".",
    true="VERDADERO",
    false="FALSO",
    day_first=True,
    months=tuple(_ES_MONTHS),
    short_months=tuple(m[:3] for m in _ES_MONTHS),
)
# Spanish-speaking countries that write a decimal point (CLDR), e.g. Mexico.
_SPANISH_POINT = LocaleRules(
    true="VERDADERO",
    false="FALSO",
    day_first=True,
    months=tuple(_ES_MONTHS),
    short_months=tuple(m[:3] for m in _ES_MONTHS),
)
_POINT_COUNTRIES = {"MX", "US", "419", "DO", "GT", "HN", "NI", "PA", "PR", "SV"}
_PORTUGUESE = LocaleRules(
    decimal=",",
    group=".",
    true="VERDADEIRO",
    false="FALSO",
    day_first=True,
    months=tuple(_PT_MONTHS),
    short_months=tuple(m[:3] for m in _PT_MONTHS),
)


def rules_for(locale: str | None) -> LocaleRules:
    """The rules of a spreadsheet locale such as "es_BO"; unknown locales read as en_US."""
    language, _, country = (locale or "en_US").replace("-", "_").partition("_")
    if language == "es":
        return _SPANISH_POINT if country in _POINT_COUNTRIES else _SPANISH
    if language == "pt":
        return _PORTUGUESE
    if language == "en" and country not in ("US", "", "PH"):
        return LocaleRules(day_first=True)
    return EN_US
