"""Further appendices of the monthly report: whole documents printed after 別紙2 対応状況全件, each as its own
別紙 (別紙3, 別紙4 …) in the PDF and as its own sheet in the XLSX, and listed under 添付資料 on the 鑑.

Where they come from: the app that owns the records publishes a selector returning the document's rows for a
period, and this function turns each into a `Table` (caption = the document's name, e.g. 「カード受払簿」,
「カード廃棄簿」). The renderers know nothing about any one document; adding one is one line here.

Today: the cards app's books (`cards.selectors.card_ledgers`): カード受払簿 (別紙3) and カード返納・廃棄簿 (別紙4).
"""

from __future__ import annotations

from . import Period, Table
from .cards import ledger_tables


def further_appendices(period: Period) -> list[Table]:
    """The month's further appendices, in print order (別紙3 first). Each source is called directly: a
    failing source raises, it is never left out silently."""
    tables: list[Table] = []
    tables += ledger_tables(period)
    return tables
