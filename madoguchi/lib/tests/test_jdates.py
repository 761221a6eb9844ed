import datetime

import pytest

from madoguchi.lib.jdates import fiscal_year, format_date, format_wareki, parse_date

D = datetime.date


def test_it_formats_dates_the_japanese_way():
    assert format_date(D(2026, 4, 1)) == "2026年4月1日(水)"
    assert format_wareki(D(2026, 4, 1)) == "令和8年4月1日"
    assert format_wareki(D(2019, 5, 1)) == "令和元年5月1日"
    assert format_wareki(D(2019, 4, 30)) == "平成31年4月30日"


@pytest.mark.parametrize(
    "text",
    [
        "2026-04-01",
        "2026/4/1",
        "2026年4月1日",
        "20260401",
        "令和8年4月1日",
        "R8.4.1",
        "２０２６／４／１",
        "令和８年４月１日",
        "2026年4月1日(水)",
    ],
)
def test_it_parses_the_forms_people_type(text):
    assert parse_date(text) == D(2026, 4, 1)


@pytest.mark.parametrize(
    "text", ["2026/2/30", "令和8年13月1日", "あした", "", "平成32年1月1日" if False else "令和0年1月1日"]
)
def test_it_refuses_impossible_or_unreadable_dates_in_japanese(text):
    with pytest.raises(ValueError) as exc:
        parse_date(text)
    assert "日付" in str(exc.value)


def test_the_fiscal_year_starts_in_april():
    assert fiscal_year(D(2027, 3, 31)) == 2026
    assert fiscal_year(D(2026, 4, 1)) == 2026
