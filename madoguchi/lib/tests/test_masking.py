"""Masked addresses and phone numbers (lib/masking.py): what an operator sees before 「表示」."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.lib.masking import MASK, mask_address, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("090-1234-5678", "090-****-5678"),
        ("09012345678", "090****5678"),
        ("０９０－１２３４－５６７８", "090-****-5678"),
        ("+81 90-1234-5678", "090-****-5678"),
        ("+819012345678", "090****5678"),
        ("092-000-1111", "092-***-1111"),
        ("0942-30-9000", "09**-**-9000"),
        ("0942309000", "09****9000"),
        ("12345", "***45"),
        ("", ""),
    ],
)
def test_a_phone_keeps_its_first_and_last_group_only(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("福岡県久留米市城南町15番地3", "福岡県久留米市●●●"),
        ("久留米市田主丸町田主丸1", "久留米市●●●"),
        ("福岡市博多区博多駅前1-1", "福岡市博多区●●●"),
        ("福岡県北九州市小倉北区城内1", "福岡県北九州市小倉北区●●●"),
        ("福岡県三井郡大刀洗町冨多1", "福岡県三井郡大刀洗町●●●"),
        ("東京都千代田区霞が関1-1", "東京都千代田区●●●"),
        ("千葉県市川市八幡1", "千葉県市川市●●●"),
        ("どこか遠く", MASK),
        ("", ""),
    ],
)
def test_an_address_keeps_the_prefecture_and_municipality_only(address, masked):
    assert mask_address(address) == masked


@given(
    middle=st.text(alphabet="0123456789", min_size=4, max_size=4),
    last=st.text(alphabet="0123456789", min_size=4, max_size=4),
    sep=st.sampled_from(["-", "", " "]),
)
def test_a_mobile_number_never_shows_its_middle_group(middle, last, sep):
    masked = mask_phone(f"090{sep}{middle}{sep}{last}")
    assert masked == f"090{sep}****{sep}{last}"


@given(st.text(alphabet="0123456789-", min_size=1, max_size=20))
def test_any_number_hides_at_least_three_digits_or_shows_at_most_two(text):
    digits = sum(ch.isdigit() for ch in text)
    masked = mask_phone(text)
    shown = sum(ch.isdigit() for ch in masked)
    assert len(masked) == len(text.strip())
    assert shown <= 2 or digits - shown >= 3


@given(
    town=st.text(alphabet="城南町本町東西一二三丁目番地号", min_size=1, max_size=10),
    number=st.integers(min_value=1, max_value=9999),
)
def test_nothing_after_the_municipality_is_shown(town, number):
    masked = mask_address(f"福岡県久留米市{town}{number}番地")
    assert masked == "福岡県久留米市" + MASK
    assert str(number) not in masked
