"""Charts as PNG bytes (matplotlib, Agg backend, IPAex font from lib/pdf.font_path()).

Used by the screen (as <img src> from a URL, never inline), the XLSX and the PDF.
"""

from __future__ import annotations

import functools
import io
import threading
from typing import Any

from madoguchi.lib.pdf import font_path

from ..sections import cards as card_sections

CHARTS = {
    "calls": "月別入電件数（区分別）",
    "cards": "状態別のカード枚数（月末時点）",
    "callbacks": "折り返しの状況",
}
# pyplot keeps global state: one chart at a time.
_lock = threading.Lock()


@functools.cache
def _font() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    path = str(font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path)


def _png(fig: Any) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110, bbox_inches="tight")
    return out.getvalue()


def chart_data(data: Any, name: str) -> dict[str, Any]:
    """The plain numbers a chart shows, from a ReportData."""
    if name == "calls":
        rows = data.call_rows
        return {
            "labels": [r[0] for r in rows],
            "series": [
                ("予約", [r[1] for r in rows]),
                ("カードに関する問合せ", [r[2] for r in rows]),
                ("その他", [r[3] for r in rows]),
            ],
        }
    if name == "cards":
        stock = card_sections.stock_by_state(data.period)
        return {"labels": [s[0] for s in stock], "series": [("枚数", [s[1] for s in stock])]}
    if name == "callbacks":
        f = data.figures
        keys = [
            ("登録", "callbacks.created"),
            ("完了", "callbacks.closed"),
            ("期限後完了", "callbacks.closed_late"),
            ("未完了", "callbacks.open"),
            ("期限超過", "callbacks.overdue"),
        ]
        return {"labels": [k[0] for k in keys], "series": [("件数", [f.get(k[1], 0) for k in keys])]}
    raise KeyError(name)


def chart_png(data: Any, name: str) -> bytes:
    values = chart_data(data, name)
    font = _font()
    with _lock:
        import matplotlib.pyplot as plt

        plt.rcParams["font.family"] = font.get_name()
        fig, ax = plt.subplots(figsize=(7.2, 3.4))
        try:
            labels = values["labels"]
            if not labels or not any(any(v) for _, v in values["series"]):
                ax.text(0.5, 0.5, "データなし", ha="center", va="center", fontsize=16, color="#666")
                ax.set_axis_off()
            elif name == "calls":
                bottom = [0] * len(labels)
                for (label, series), color in zip(
                    values["series"], ("#1f4fb3", "#e08a00", "#7a7a7a"), strict=True
                ):
                    ax.bar(labels, series, bottom=bottom, label=label, color=color)
                    bottom = [a + b for a, b in zip(bottom, series, strict=True)]
                ax.legend(loc="upper left", fontsize=8, ncols=3)
                ax.set_ylabel("件")
            elif name == "cards":
                series = values["series"][0][1]
                ax.barh(labels[::-1], series[::-1], color="#1f4fb3")
                ax.set_xlabel("枚")
            else:
                series = values["series"][0][1]
                colors = ["#1f4fb3", "#2e8b57", "#e08a00", "#7a7a7a", "#c0392b"]
                ax.bar(labels, series, color=colors[: len(labels)])
                ax.set_ylabel("件")
            ax.set_title(CHARTS[name], fontsize=11)
            for spine in ("top", "right"):
                ax.spines[spine].set_visible(False)
            fig.tight_layout()
            return _png(fig)
        finally:
            plt.close(fig)
