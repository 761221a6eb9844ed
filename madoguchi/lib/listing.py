"""One list helper for staff pages (after NetBox's object tables): lists are never cut silently.

A `Listing` is declared once per list — columns, filter form, ordering, page size — and one call in the view
renders the page (or its htmx fragment) with the count (「350件中 1–50件」), pagination, sortable headers and
CSV/XLSX export of the WHOLE filtered set:

    CALLBACKS = Listing(
        name="calls.callbacks", title="折り返し一覧",
        columns=[Column("due_at", "期限", order_by="due_at"), Column("owner", "担当")],
        filter_form=CallbackFilterForm, ordering=("due_at", "pk"),
        personal_filters=True,   # the form may hold a name or phone number: POST + session, never the URL
    )

    def callbacks(request):
        return CALLBACKS.response(
            request, Callback.objects.all(), template="calls/callbacks.html",
            on_list=lambda n: audit_record(..., action=LIST, detail={"count": n}),
            on_export=lambda fmt, n: audit_record(..., action=EXPORT, detail={"format": fmt, "count": n}),
        )

`lib` imports no madoguchi app, so auditing is the caller's: `on_list(count)` runs for every page shown and
`on_export(format, count)` for every export. Export is only offered when `on_export` is given (so an export is never
unaudited); pass it only when the user may export.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from .exports import csv_bytes, download, xlsx_bytes
from .htmx import render_page_or_fragment

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
PER_PAGE_CHOICES = (50, 100, 200)
EXPORT_FORMATS = ("csv", "xlsx")
# Query parameters that belong to the list machinery, never to the filters.
CONTROL_PARAMS = ("page", "per_page", "sort", "export", "encoding")


class FilteringForm(Protocol):
    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]: ...


def _resolve(obj: Any, path: str) -> Any:
    """`"owner__display_name"` → obj.owner.display_name; None anywhere on the way gives None."""
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value) and not isinstance(value, Model):
            value = value()
    return value


@dataclass(frozen=True)
class Column:
    """One column: shown on the page and written to the export.

    `value(obj)` gives the cell (default: the attribute path `key`, `__` walks relations; a `get_<key>_display`
    method is used when the model has one). `order_by` names the field(s) sorted on when the header is clicked
    (None: not sortable). `link(obj)` makes the cell a link on the page (never in the export)."""

    key: str
    label: str
    value: Callable[[Any], Any] | None = None
    order_by: str | Sequence[str] | None = None
    link: Callable[[Any], str] | None = None
    css: str = ""
    export: bool = True
    show: bool = True

    def get(self, obj: Any) -> Any:
        if self.value is not None:
            return self.value(obj)
        display = getattr(obj, f"get_{self.key}_display", None)
        if display is not None:
            return display()
        return _resolve(obj, self.key)

    @property
    def order_fields(self) -> tuple[str, ...]:
        if self.order_by is None:
            return ()
        return (self.order_by,) if isinstance(self.order_by, str) else tuple(self.order_by)


def export_value(value: Any) -> Any:
    """A cell as the export writes it: local times without time zone, booleans and None in Japanese terms."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, datetime.date | int | float):
        return value
    return str(value)


def _csv_value(value: Any) -> Any:
    value = export_value(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@dataclass
class Cell:
    value: Any
    link: str = ""
    css: str = ""


@dataclass
class Row:
    obj: Any
    cells: list[Cell]


@dataclass
class SortHeader:
    column: Column
    query: str  # the query string that sorts by this column (toggling direction), "" when not sortable
    direction: str  # "asc", "desc" or "" (not the current sort)

    @property
    def aria_sort(self) -> str:
        return {"asc": "ascending", "desc": "descending"}.get(self.direction, "none")


@dataclass
class ListResult:
    """What the templates get as `list`."""

    listing: Listing
    page: Page
    form: forms.Form | None
    sort: str
    per_page: int
    query: str  # the filters (non-personal lists only) + sort + per_page, without page: for links
    exportable: bool
    headers: list[SortHeader] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def count_label(self) -> str:
        """「350件中 1–50件」, or 「0件」 for an empty list."""
        if not self.count:
            return "0件"
        return f"{self.count}件中 {self.page.start_index()}–{self.page.end_index()}件"

    @property
    def rows(self) -> Iterator[Row]:
        shown = [c for c in self.listing.columns if c.show]
        for obj in self.page.object_list:
            yield Row(
                obj=obj,
                cells=[Cell(value=c.get(obj), link=c.link(obj) if c.link else "", css=c.css) for c in shown],
            )

    @property
    def page_numbers(self) -> list[int | None]:
        """A window of page numbers around the current one; None is a gap (…)."""
        last = self.page.paginator.num_pages
        current = self.page.number
        wanted = {1, last, *range(max(1, current - 2), min(last, current + 2) + 1)}
        out: list[int | None] = []
        previous = 0
        for n in sorted(wanted):
            if n - previous > 1:
                out.append(None)
            out.append(n)
            previous = n
        return out

    def page_query(self, number: int) -> str:
        return "&".join(p for p in (self.query, f"page={number}") if p)

    @property
    def per_page_links(self) -> list[tuple[int, str]]:
        base = {k: v for k, v in self._query_dict().items() if k != "per_page"}
        return [(n, urlencode({**base, "per_page": n})) for n in PER_PAGE_CHOICES]

    def _query_dict(self) -> dict[str, str]:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def title(self) -> str:
        return self.listing.title

    @property
    def dom_id(self) -> str:
        return "list-" + self.listing.name.replace(".", "-").replace("_", "-")

    @property
    def personal_filters(self) -> bool:
        return self.listing.personal_filters


@dataclass(frozen=True)
class Listing:
    """The declaration of one staff list. See the module docstring."""

    name: str  # "<app>.<list>": session key for kept filters, and the id of the list on the page
    title: str  # Japanese; the export file is "<title>.csv" and the sheet is called so
    columns: Sequence[Column]
    filter_form: type[forms.Form] | None = None
    # How valid filters narrow the queryset; default: the form's own `filter_queryset(queryset)` method.
    filter: Callable[[Any, Mapping[str, Any]], QuerySet[Any]] | None = None
    ordering: Sequence[str] = ("pk",)
    per_page: int = DEFAULT_PER_PAGE
    max_per_page: int = MAX_PER_PAGE
    # True when a filter may hold personal data (a name, a phone number, a birth date): the filters are then
    # sent by POST and kept in the session, so they never appear in a URL, a browser history or an access log.
    personal_filters: bool = False
    empty_text: str = "該当するものはありません。"
    # GET parameters of the page itself (not filters, never personal) that links must keep, e.g. ("status",).
    keep_params: Sequence[str] = ()

    # --- the request -----------------------------------------------------------------------------------

    @property
    def session_key(self) -> str:
        return f"listing:{self.name}"

    def bound_form(self, request: HttpRequest) -> forms.Form | None:
        """The filter form bound to the request's filters (POST/session or GET), or unbound when none given."""
        if self.filter_form is None:
            return None
        if self.personal_filters:
            if request.method == "POST":
                return self.filter_form(request.POST)
            kept = request.session.get(self.session_key)
            return self.filter_form(_querydict(kept)) if kept else self.filter_form()
        names = set(self.filter_form.base_fields)
        if any(k in names for k in request.GET):
            return self.filter_form(request.GET)
        return self.filter_form()

    def filtered(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> tuple[QuerySet[Any], forms.Form | None]:
        form = self.bound_form(request)
        if form is not None and not form.is_bound and self.filter is not None:
            # No filters given: `filter` sees {} so a default (e.g. "open ones only") still applies.
            queryset = self.filter(queryset, {})
        elif form is not None and form.is_bound and form.is_valid():
            if self.filter is not None:
                queryset = self.filter(queryset, form.cleaned_data)
            else:
                filter_queryset = getattr(form, "filter_queryset", None)
                if filter_queryset is None:
                    raise TypeError(
                        f"Listing {self.name}: give `filter=` or a `filter_queryset(qs)` method on the form"
                    )
                queryset = filter_queryset(queryset)
        return queryset, form

    def sort_key(self, request: HttpRequest) -> str:
        raw = request.GET.get("sort", "")
        key = raw.removeprefix("-")
        if any(c.key == key and c.order_fields for c in self.columns):
            return raw
        return ""

    def ordered(self, queryset: QuerySet[Any], sort: str) -> QuerySet[Any]:
        fields: list[str] = []
        if sort:
            column = next(c for c in self.columns if c.key == sort.removeprefix("-"))
            for f in column.order_fields:
                if sort.startswith("-"):
                    f = f.removeprefix("-") if f.startswith("-") else f"-{f}"
                fields.append(f)
        named = {f.lstrip("-") for f in fields}
        fields += [o for o in self.ordering if o.lstrip("-") not in named]
        # A stable order under ties, so pages never repeat or skip a row.
        if not {"pk", "id"} & {f.lstrip("-") for f in fields}:
            fields.append("pk")
        return queryset.order_by(*fields)

    def per_page_for(self, request: HttpRequest) -> int:
        try:
            n = int(request.GET.get("per_page", self.per_page))
        except ValueError:
            return self.per_page
        return max(1, min(n, self.max_per_page))

    def _query(self, request: HttpRequest, form: forms.Form | None, sort: str, per_page: int) -> str:
        params: list[tuple[str, str]] = [(k, v) for k in self.keep_params for v in request.GET.getlist(k)]
        if form is not None and not self.personal_filters and form.is_bound:
            for name in form.fields:
                for value in request.GET.getlist(name):
                    params.append((name, value))
        if sort:
            params.append(("sort", sort))
        if per_page != self.per_page:
            params.append(("per_page", str(per_page)))
        return urlencode(params)

    def result(
        self, request: HttpRequest, queryset: QuerySet[Any], *, exportable: bool = False
    ) -> ListResult:
        queryset, form = self.filtered(request, queryset)
        sort = self.sort_key(request)
        per_page = self.per_page_for(request)
        page = Paginator(self.ordered(queryset, sort), per_page).get_page(request.GET.get("page"))
        result = ListResult(
            listing=self,
            page=page,
            form=form,
            sort=sort,
            per_page=per_page,
            query=self._query(request, form, sort, per_page),
            exportable=exportable,
        )
        result.headers = self._headers(result)
        return result

    def _headers(self, result: ListResult) -> list[SortHeader]:
        base = {k: v for k, v in result._query_dict().items() if k != "sort"}
        headers = []
        for column in self.columns:
            if not column.show:
                continue
            if not column.order_fields:
                headers.append(SortHeader(column, "", ""))
                continue
            direction = ""
            if result.sort == column.key:
                direction = "asc"
            elif result.sort == f"-{column.key}":
                direction = "desc"
            next_sort = f"-{column.key}" if direction == "asc" else column.key
            headers.append(SortHeader(column, urlencode({**base, "sort": next_sort}), direction))
        return headers

    # --- export ----------------------------------------------------------------------------------------

    def export_rows(self, queryset: QuerySet[Any]) -> Iterable[list[Any]]:
        columns = [c for c in self.columns if c.export]
        for obj in queryset.iterator(chunk_size=2000):
            yield [c.get(obj) for c in columns]

    def export(self, queryset: QuerySet[Any], fmt: str, *, encoding: str = "utf-8") -> tuple[bytes, int]:
        """The whole (filtered, ordered) queryset as CSV or XLSX bytes, and its row count.
        CP932 refuses a character it cannot hold, naming the row and column (ValueError, Japanese)."""
        header = [c.label for c in self.columns if c.export]
        if fmt == "xlsx":
            rows = [[export_value(v) for v in row] for row in self.export_rows(queryset)]
            return xlsx_bytes(self.title, header, rows), len(rows)
        rows = [[_csv_value(v) for v in row] for row in self.export_rows(queryset)]
        if encoding == "cp932":
            _check_cp932(header, rows)
        return csv_bytes(header, rows, encoding=encoding), len(rows)

    # --- the view --------------------------------------------------------------------------------------

    def response(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        *,
        template: str | None = None,
        fragment: str = "lib/_list.html",
        context: Mapping[str, Any] | None = None,
        on_list: Callable[[int], object] | None = None,
        on_export: Callable[[str, int], object] | None = None,
    ) -> HttpResponse:
        """Render the list page (or, for htmx, `fragment`), handle the filter POST and the export.

        `template` is the whole page (it includes `fragment`); without it the fragment is the response."""
        if self.personal_filters and request.method == "POST":
            if "_clear" in request.POST:
                request.session.pop(self.session_key, None)
                return _redirect_to_list(request)
            form = self.bound_form(request)
            if form is not None and form.is_valid():
                request.session[self.session_key] = {
                    name: request.POST.getlist(name) for name in form.fields if name in request.POST
                }
                if not getattr(request, "htmx", False):
                    return _redirect_to_list(request)
        fmt = request.GET.get("export", "")
        if fmt:
            if on_export is None or fmt not in EXPORT_FORMATS:
                return HttpResponse("この一覧は出力できません。", status=404, content_type="text/plain")
            queryset, _form = self.filtered(request, queryset)
            queryset = self.ordered(queryset, self.sort_key(request))
            encoding = "cp932" if request.GET.get("encoding") == "cp932" else "utf-8"
            try:
                content, count = self.export(queryset, fmt, encoding=encoding)
            except ValueError as exc:
                messages.error(request, str(exc))
                return _redirect_to_list(request, keep_query=True)
            on_export(fmt if fmt == "xlsx" else f"csv-{encoding}", count)
            if fmt == "xlsx":
                return download(
                    content,
                    f"{self.title}.xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            charset = "shift_jis" if encoding == "cp932" else "utf-8"
            return download(content, f"{self.title}.csv", f"text/csv; charset={charset}")
        result = self.result(request, queryset, exportable=on_export is not None)
        if on_list is not None:
            on_list(result.count)
        # `object_list` is the page's rows, as in Django's ListView, for pages with their own table.
        ctx = {**(context or {}), "list": result, "object_list": result.page.object_list}
        return render_page_or_fragment(request, template or fragment, fragment, ctx)


def _querydict(data: Mapping[str, list[str]]) -> Any:
    from django.http import QueryDict

    qd = QueryDict(mutable=True)
    for key, values in data.items():
        qd.setlist(key, list(values))
    return qd


def _redirect_to_list(request: HttpRequest, *, keep_query: bool = False) -> HttpResponse:
    target = request.path
    if keep_query:
        query = {k: v for k, v in request.GET.items() if k not in ("export", "encoding")}
        if query:
            target += "?" + urlencode(query)
    return HttpResponseRedirect(target, status=303)


def _check_cp932(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if not isinstance(value, str):
                continue
            try:
                value.encode("cp932")
            except UnicodeEncodeError as exc:
                char = value[exc.start]
                raise ValueError(
                    f"{r}行目「{header[c]}」列の文字「{char}」は Shift_JIS (CP932) で表せません。"
                    "UTF-8 で出力してください。"
                ) from None
