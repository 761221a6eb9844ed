"""Further appendices of the monthly report: whole documents printed after 別紙2 対応状況全件, each as its own
別紙 (別紙3, 別紙4 …) in the PDF and as its own sheet in the XLSX, and listed under 添付資料 on the 鑑.

Where they come from: the app that owns the records publishes a selector returning the document's rows for a
period, and this function turns each into a `Table` (caption = the document's name, e.g. 「カード受払簿」,
「カード廃棄簿」). The renderers know nothing about any one document; adding one is one line here.

The cards app's ledgers (受払簿・廃棄簿) are meant to be added here by the cards app's own selector; until then
the list is empty and the report has 別紙1 and 別紙2 only.
"""

from __future__ import annotations

from . import Period, Table


def further_appendices(period: Period) -> list[Table]:
    """The month's further appendices, in print order (別紙3 first). Each source is called directly: a
    failing source raises, it is never left out silently."""
    tables: list[Table] = []
    return tables
