"""lib.listing: one declaration gives count, pagination, kept filters and the export of the whole filtered set.
The tests list Django's own Group model so that lib's tests need no madoguchi app."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory, TestCase
from openpyxl import load_workbook

from madoguchi.lib.listing import Column, Listing


class NameFilter(forms.Form):
    name = forms.CharField(label="名前", required=False)

    def filter_queryset(self, queryset):
        name = self.cleaned_data["name"]
        return queryset.filter(name__contains=name) if name else queryset


GROUPS = Listing(
    name="tests.groups",
    title="グループ一覧",
    columns=[Column("name", "名前", order_by="name"), Column("pk", "番号", css="num")],
    filter_form=NameFilter,
    ordering=("name",),
)
PERSONAL = Listing(
    name="tests.people",
    title="名簿",
    columns=[Column("name", "名前")],
    filter_form=NameFilter,
    ordering=("name",),
    personal_filters=True,
)


class ListingTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.before = list(Group.objects.values_list("pk", flat=True))  # the role groups
        Group.objects.bulk_create(Group(name=f"g{i:03d}") for i in range(350))
        Group.objects.create(name="髙橋班")

    def groups(self):
        return Group.objects.exclude(pk__in=self.before)

    def request(
        self, method: str = "get", data: dict[str, Any] | None = None, session: SessionStore | None = None
    ):
        factory = RequestFactory()
        request = getattr(factory, method)("/list/", data or {})
        request.session = session or SessionStore()
        request._messages = FallbackStorage(request)
        request.user = None
        return request

    def test_it_counts_every_row_and_shows_the_first_fifty(self) -> None:
        result = GROUPS.result(self.request(), self.groups())
        assert result.count == 351
        assert result.count_label == "351件中 1–50件"
        assert len(list(result.rows)) == 50
        assert result.page.paginator.num_pages == 8

    def test_it_shows_the_last_page_with_the_rest(self) -> None:
        result = GROUPS.result(self.request(data={"page": "8"}), self.groups())
        assert result.count_label == "351件中 351–351件"

    def test_page_size_is_capped_at_two_hundred(self) -> None:
        result = GROUPS.result(self.request(data={"per_page": "100000"}), self.groups())
        assert result.per_page == 200
        assert result.count_label == "351件中 1–200件"

    def test_the_rendered_page_says_how_many_and_links_the_next_page(self) -> None:
        response = GROUPS.response(self.request(data={"name": "g"}), self.groups())
        html = response.content.decode()
        assert "350件中 1–50件" in html
        assert "name=g&amp;page=2" in html

    def test_filters_in_the_url_narrow_the_count(self) -> None:
        result = GROUPS.result(self.request(data={"name": "g00"}), self.groups())
        assert result.count == 10
        assert result.query == "name=g00"

    def test_sorting_by_a_column_reverses_on_request(self) -> None:
        result = GROUPS.result(self.request(data={"sort": "-name"}), self.groups())
        assert next(iter(result.rows)).obj.name == "髙橋班"
        header = result.headers[0]
        assert header.direction == "desc" and header.query == "sort=name"

    def test_an_unknown_sort_falls_back_to_the_declared_order(self) -> None:
        result = GROUPS.result(self.request(data={"sort": "password"}), self.groups())
        assert result.sort == ""
        assert next(iter(result.rows)).obj.name == "g000"

    def test_personal_filters_are_posted_and_kept_in_the_session_never_in_links(self) -> None:
        session = SessionStore()
        response = PERSONAL.response(self.request("post", {"name": "髙橋"}, session), self.groups())
        assert response.status_code == 303 and response["Location"] == "/list/"
        result = PERSONAL.result(self.request(session=session), self.groups())
        assert result.count == 1
        assert "髙橋" not in result.query and result.query == ""
        html = PERSONAL.response(self.request(data={"page": "1"}, session=session), self.groups())
        assert 'method="post"' in html.content.decode()

    def test_personal_filters_given_in_the_url_are_ignored(self) -> None:
        result = PERSONAL.result(self.request(data={"name": "髙橋"}), self.groups())
        assert result.count == 351

    def test_clearing_personal_filters_forgets_them(self) -> None:
        session = SessionStore()
        PERSONAL.response(self.request("post", {"name": "髙橋"}, session), self.groups())
        PERSONAL.response(self.request("post", {"_clear": "1"}, session), self.groups())
        assert PERSONAL.result(self.request(session=session), self.groups()).count == 351

    def test_the_export_holds_the_whole_filtered_set_and_is_audited(self) -> None:
        seen = []
        response = GROUPS.response(
            self.request(data={"name": "g", "export": "csv"}),
            self.groups(),
            on_export=lambda fmt, n: seen.append((fmt, n)),
        )
        text = response.content.decode("utf-8-sig")
        assert text.splitlines()[0] == "名前,番号"
        assert len(text.splitlines()) == 351
        assert seen == [("csv-utf-8", 350)]
        assert "attachment" in response["Content-Disposition"]

    def test_the_xlsx_export_has_every_row(self) -> None:
        response = GROUPS.response(
            self.request(data={"export": "xlsx"}), self.groups(), on_export=lambda fmt, n: None
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row == 352
        assert sheet.title == "グループ一覧"

    def test_cp932_export_names_the_row_and_column_it_cannot_write(self) -> None:
        Group.objects.create(name="🙂")
        seen = []
        request = self.request(data={"name": "🙂", "export": "csv", "encoding": "cp932"})
        response = GROUPS.response(
            request,
            self.groups(),
            on_export=lambda fmt, n: seen.append(fmt),
        )
        assert response.status_code == 303
        assert seen == []
        assert [str(m) for m in request._messages] == [
            "2行目「名前」列の文字「🙂」は Shift_JIS (CP932) で表せません。UTF-8 で出力してください。"
        ]

    def test_cp932_export_writes_shift_jis(self) -> None:
        response = GROUPS.response(
            self.request(data={"name": "髙橋", "export": "csv", "encoding": "cp932"}),
            self.groups(),
            on_export=lambda fmt, n: None,
        )
        assert response.content.decode("cp932").splitlines()[1] == "髙橋班," + str(
            Group.objects.get(name="髙橋班").pk
        )

    def test_a_list_without_an_audit_hook_cannot_be_exported(self) -> None:
        response = GROUPS.response(self.request(data={"export": "csv"}), self.groups())
        assert response.status_code == 404

    def test_every_page_shown_is_reported_to_the_list_hook(self) -> None:
        seen: list[int] = []
        GROUPS.response(self.request(data={"name": "g1"}), self.groups(), on_list=seen.append)
        assert seen == [100]


def test_links_keep_the_pages_own_parameters() -> None:
    listing = Listing(name="t.kept", title="t", columns=[Column("name", "名前")], keep_params=("status",))
    request = RequestFactory().get("/list/", {"status": "closed", "other": "x"})
    assert listing._query(request, None, "", 50) == "status=closed"
