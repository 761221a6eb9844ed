"""Form errors say which field, what is wrong and how to fix it; the summary links to each field."""

import datetime

from django import forms
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.lib.forms import error_summary, field_messages


class VisitForm(forms.Form):
    name = forms.CharField(label="氏名", max_length=5)
    office = forms.ChoiceField(label="庁舎", choices=[("honcho", "本庁")])
    day = forms.DateField(label="来庁日")
    people = forms.IntegerField(label="人数", min_value=1, max_value=4)
    agree = forms.BooleanField(label="注意事項")
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("day") == datetime.date(2026, 1, 1):
            raise forms.ValidationError("元日は閉庁です。別の日を選んでください。")
        return cleaned


def test_an_empty_form_names_each_field_and_what_to_do():
    form = VisitForm({})
    assert not form.is_valid()
    assert field_messages(form["name"]) == ["氏名を入力してください。"]
    assert field_messages(form["office"]) == ["庁舎を選んでください。"]
    assert field_messages(form["agree"]) == ["注意事項を確認して、チェックを入れてください。"]


def test_a_forms_own_message_is_kept_as_it_is():
    class OwnForm(forms.Form):
        birth = forms.DateField(
            label="生年月日",
            error_messages={"invalid": "生年月日を正しく入力してください（例: 1980-04-01）。"},
        )

    form = OwnForm({"birth": "昭和"})
    form.is_valid()
    assert field_messages(form["birth"]) == ["生年月日を正しく入力してください（例: 1980-04-01）。"]


def test_wrong_values_say_the_expected_form_or_limit():
    form = VisitForm(
        {
            "name": "久留米太郎です",
            "office": "tanushimaru",
            "day": "6月3日",
            "people": "9",
            "agree": "on",
            "token": "x",
        }
    )
    assert not form.is_valid()
    assert field_messages(form["name"]) == ["氏名は5文字以内で入力してください（いまは7文字）。"]
    assert field_messages(form["office"]) == ["庁舎は一覧の中から選び直してください。"]
    assert field_messages(form["day"]) == ["来庁日は「2026-06-03」の形で入力してください。"]
    assert field_messages(form["people"]) == ["人数は4以下にしてください。"]


def test_the_summary_lists_whole_form_errors_first_and_links_to_each_field():
    form = VisitForm({"day": "2026-01-01", "people": "2", "agree": "on", "office": "honcho"})
    assert not form.is_valid()
    summary = error_summary(form)
    assert summary[0].href == "" and "元日は閉庁です" in summary[0].text
    assert [item.href for item in summary[1:]] == ["#id_name", ""]  # the hidden token has no field to go to


def test_the_form_include_renders_the_summary_with_links_above_the_fields():
    form = VisitForm({})
    form.is_valid()
    html = Template('{% include "lib/_form.html" %}').render(Context({"form": form}))
    assert html.index("error-summary") < html.index('<label for="id_name"')
    assert '<a href="#id_name">氏名を入力してください。</a>' in html
    assert 'id="id_name_error"' in html


@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs")), min_size=6, max_size=40))
def test_a_too_long_name_always_gets_the_limit_and_the_length(text):
    form = VisitForm({"name": text})
    form.is_valid()
    messages = field_messages(form["name"])
    if text.strip() and len(text.strip()) > 5:
        assert messages == [f"氏名は5文字以内で入力してください（いまは{len(text.strip())}文字）。"]
