"""The charts the pages show and the Informe Técnico prints: one altair chart, two outputs.

A page hands the chart to ``st.altair_chart``; the Word document gets the same chart as a
PNG rendered by ``vl-convert`` (Vega's own renderer, with real fonts: accents and «ñ» come
out as letters, never as boxes). No browser and no Pillow font are involved.
"""

from __future__ import annotations

import re
import textwrap

import altair as alt
import pandas as pd
import vl_convert

from core.services.dashboard import Dashboard, StageFigures
from core.services.reports import bottlenecks

LINE_CHARS = 44
MAX_LINES = 4
BOTTLENECK_COLOR = "#b42318"
OTHER_COLOR = "#5b8db8"
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
_PARENTHESES = re.compile(r"\s*\([^)]*\)")


def stage_label(figures: StageFigures) -> list[str]:
    """The stage in full words over a few lines («Procedimiento 3 · etapa 2», activity).

    An activity too long for the lines loses its parentheses first, then its tail, at a
    word, with «…».
    """
    activity = figures.activity.strip() or "—"
    lines = textwrap.wrap(activity, LINE_CHARS)
    if len(lines) > MAX_LINES - 1:
        lines = textwrap.wrap(_PARENTHESES.sub("", activity), LINE_CHARS)
    if len(lines) > MAX_LINES - 1:
        lines = lines[:MAX_LINES - 1]
        lines[-1] = textwrap.shorten(lines[-1] + " …", LINE_CHARS, placeholder=" …")
    return [f"Procedimiento {figures.procedure} · etapa {figures.stage}", *lines]


def bottleneck_frame(board: Dashboard, top: int = 8) -> pd.DataFrame:
    """The stages where requests waited most (working days), most first; ties flagged."""
    busy = sorted((f for f in board.stages if f.waiting_total > 0),
                  key=lambda f: (-f.waiting_total, f.procedure, f.stage))[:top]
    most = {(f.procedure, f.stage) for f in bottlenecks(board)}
    return pd.DataFrame(
        [{"Etapa": "|".join(stage_label(f)), "Orden": n, "Días de espera": f.waiting_total,
          "Mediana": f.waiting_median, "En espera hoy": f.waiting_now,
          "Donde más se espera": (f.procedure, f.stage) in most}
         for n, f in enumerate(busy)],
        columns=["Etapa", "Orden", "Días de espera", "Mediana", "En espera hoy",
                 "Donde más se espera"])


def bottleneck_chart(board: Dashboard, top: int = 8) -> alt.Chart | None:
    """Working days waited per stage (completed in the period plus waiting today).

    Labels in full (wrapped), whole-day ticks, and every stage tied for the most waiting
    drawn in the same red.
    """
    frame = bottleneck_frame(board, top)
    if frame.empty:
        return None
    lines = max(len(label.split("|")) for label in frame["Etapa"])
    most = int(frame["Días de espera"].max())
    chart: alt.Chart = alt.Chart(frame, title=alt.TitleParams(
        "Días hábiles de espera por etapa", subtitle="Total del periodo y en espera hoy",
        anchor="start")).mark_bar(size=24).encode(
        x=alt.X("Días de espera:Q", title="Días hábiles de espera (total)",
                scale=alt.Scale(domain=[0, max(most, 1)], nice=False),
                axis=alt.Axis(tickMinStep=1, format="d", values=_ticks(most))),
        y=alt.Y("Etapa:N", sort=alt.EncodingSortField("Orden"), title=None,
                axis=alt.Axis(labelExpr="split(datum.label, '|')", labelLimit=0,
                              labelFontSize=12, labelPadding=6)),
        color=alt.Color("Donde más se espera:N",
                        scale=alt.Scale(domain=[True, False],
                                        range=[BOTTLENECK_COLOR, OTHER_COLOR]),
                        legend=alt.Legend(title=None, orient="bottom",
                                          labelExpr="datum.label == 'true' ? 'Donde más se espera"
                                                    "' : 'Otras etapas'")),
        tooltip=[alt.Tooltip("Días de espera:Q", title="Días hábiles de espera"),
                 alt.Tooltip("Mediana:Q", title="Mediana (días hábiles)"),
                 alt.Tooltip("En espera hoy:Q", title="En espera hoy")],
    ).properties(width=420, height=alt.Step(16 * lines + 10))
    return chart


def _ticks(most: int) -> list[int]:
    """Whole days, at most about ten ticks."""
    step = max(1, -(-most // 10))
    return list(range(0, most + step, step))


def _spec(chart: alt.Chart) -> dict[str, object]:
    spec: dict[str, object] = chart.configure(font=FONT).to_dict()
    return spec


def chart_png(chart: alt.Chart, scale: float = 2.0) -> bytes:
    """The chart as a PNG (for Word), drawn by vl-convert."""
    return bytes(vl_convert.vegalite_to_png(_spec(chart), scale=scale))


def chart_svg(chart: alt.Chart) -> str:
    """The chart as SVG (its text stays text)."""
    return str(vl_convert.vegalite_to_svg(_spec(chart)))
