import pytest

from madoguchi.lib.exports import check_header, csv_bytes, read_table, xlsx_bytes


def test_it_reads_cp932_and_utf8_csv_alike():
    header, rows = ["分類", "質問"], [["予約", "受け取りの予約は？"]]
    for encoding in ("utf-8", "cp932"):
        table = read_table(csv_bytes(header, rows, encoding=encoding), "faq.csv")
        assert table.header == header
        assert table.rows == rows


def test_it_reads_xlsx():
    table = read_table(xlsx_bytes("FAQ", ["分類", "質問"], [["予約", "質問1"]]), "faq.xlsx")
    assert table.rows == [["予約", "質問1"]]


def test_it_says_in_japanese_when_the_chosen_encoding_is_wrong():
    data = "分類\n予約\n".encode("cp932")
    with pytest.raises(ValueError, match="UTF-8 として読めません"):
        read_table(data, "x.csv", encoding="utf-8")


def test_it_names_missing_unknown_and_repeated_columns():
    table = read_table(csv_bytes(["分類", "回答", "メモ", "メモ"], []), "x.csv")
    messages = [str(e) for e in check_header(table, ["分類", "質問"], ["回答"])]
    assert "1行目「質問」列: 必須の列がありません。" in messages
    assert "1行目「メモ」列: 不明な列です。列名を確認してください。" in messages
    assert any("同じ列名" in m for m in messages)
