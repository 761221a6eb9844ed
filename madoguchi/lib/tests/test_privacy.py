import pytest
from django.core.exceptions import ValidationError

from madoguchi.lib.privacy import (
    check_digit,
    contains_individual_number,
    find_individual_numbers,
    no_individual_number,
)

# 12345678901 -> weights 6,5,4,3,2,7,6,5,4,3,2: sum = 6+10+12+12+10+42+42+40+36+0+2 = 212; 212 % 11 = 3 -> 8
VALID = "123456789018"
INVALID_CHECK = "123456789012"


def test_check_digit_follows_the_ministerial_ordinance():
    assert check_digit("12345678901") == 8
    # r <= 1 gives 0: 00000000001 -> sum 2 -> r 2 -> 9; 00000000000 -> 0
    assert check_digit("00000000000") == 0
    assert check_digit("00000000001") == 9


@pytest.mark.parametrize(
    "text",
    [
        f"番号は{VALID}です",
        f"番号は{INVALID_CHECK}です",  # refused even when the check digit does not match
        "番号は１２３４５６７８９０１８です",  # full-width digits
        "1234-5678-9018 と言われた",  # 4-4-4 with hyphens
        "1234 5678 9018",  # spaces
        "１２３４－５６７８－９０１８",  # full-width hyphen-minus
        "12-34-56-78-90-18",  # separators anywhere
        f"先頭{VALID}",
        VALID,
    ],
)
def test_it_refuses_twelve_digit_runs_in_any_form(text):
    assert contains_individual_number(text)
    with pytest.raises(ValidationError) as exc:
        no_individual_number(text)
    assert "マイナンバー" in exc.value.messages[0]
    assert "削除" in exc.value.messages[0]


@pytest.mark.parametrize(
    "text",
    [
        "法人番号 1234567890123",  # 13-digit corporate number
        "申請書ID 12345678901234567890123",  # 23-digit application ID
        "電話 092-123-4567",  # phone numbers have fewer digits
        "090-1234-5678",
        "12345678901",  # 11 digits
        "予約番号 ABC123456",
        "2026年4月1日 8:30",
        "",
    ],
)
def test_it_allows_numbers_that_are_not_twelve_digits(text):
    assert not contains_individual_number(text)
    no_individual_number(text)


def test_a_valid_check_digit_is_reported_as_higher_confidence():
    high = find_individual_numbers(f"a {VALID} b")
    low = find_individual_numbers(f"a {INVALID_CHECK} b")
    assert high[0].confidence == "high"
    assert low[0].confidence == "medium"
    with pytest.raises(ValidationError) as exc:
        no_individual_number(VALID)
    assert "検査用数字も一致" in exc.value.messages[0]


def test_it_finds_every_run_in_a_long_note():
    text = f"一人目 {VALID}、二人目 2345-6789-0123、電話 0942-30-9000"
    assert [f.digits for f in find_individual_numbers(text)] == [VALID, "234567890123"]
