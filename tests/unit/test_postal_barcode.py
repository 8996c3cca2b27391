"""Japan Post customer barcode: table, extraction, truncation, check character."""

from __future__ import annotations

import pytest

from ccus.models.postal_barcode import (
    CHECK_VALUES,
    SYMBOL_BARS,
    TOTAL_BARS,
    address_number,
    check_character,
    customer_barcode_bars,
    customer_barcode_data,
    customer_barcode_symbols,
    data_string_to_symbols,
    kanji_to_number,
    normalize_postcode,
    symbol_bars,
)

# --- the example of DOMAIN.md (also Japan Post manual p17/p21) --------------------------------


def test_domain_example_data_and_check_character() -> None:
    data = customer_barcode_data("100-0013", "霞が関1丁目3番2号 郵便プラザ503室")
    assert data == "1000013" + "1-3-2-503" + "CC4" * 4
    symbols = customer_barcode_symbols("100-0013", "霞が関1丁目3番2号 郵便プラザ503室")
    assert symbols[0] == "STC" and symbols[-1] == "SPC"
    assert symbols[1:21] == [*"1000013", *"1-3-2-503", "CC4", "CC4", "CC4", "CC4"]
    assert symbols[21] == "9"
    assert len(symbols) == 23


def test_domain_example_with_full_address_and_fullwidth_postcode() -> None:
    full = "東京都千代田区霞が関1丁目3番2号　郵便プラザ503室"
    assert customer_barcode_data("〒１００－００１３", full) == "10000131-3-2-503CC4CC4CC4CC4"


def test_total_bar_count_is_67() -> None:
    bars = customer_barcode_bars("100-0013", "霞が関1丁目3番2号 郵便プラザ503室")
    assert len(bars) == TOTAL_BARS == 67
    assert bars[:2] == ("F", "D")  # start code
    assert bars[-2:] == ("D", "F")  # stop code
    assert set(bars) <= {"F", "A", "D", "T"}


# --- Japan Post's worked examples (manual p25): every symbol and the check character ---------

P25_CASES = [
    ("263-0023", "千葉市稲毛区緑町3丁目30-8　郵便ビル403号", "2630023 3 - 3 0 - 8 - 4 0 3 CC4 CC4 CC4", "5"),
    ("014-0113", "秋田県大仙市堀見内　南田茂木　添60-1", "0140113 6 0 - 1" + " CC4" * 9, "CC8"),
    ("110-0016", "東京都台東区台東5-6-3　ABCビル10F", "1100016 5 - 6 - 3 - 1 0" + " CC4" * 5, "9"),
    ("060-0906", "北海道札幌市東区北六条東4丁目　郵便センター6号館", "0600906 4 - 6" + " CC4" * 10, "9"),
    ("065-0006", "北海道札幌市東区北六条東8丁目　郵便センター10号館", "0650006 8 - 1 0" + " CC4" * 9, "9"),
    ("407-0033", "山梨県韮崎市龍岡町下條南割　韮崎400", "4070033 4 0 0" + " CC4" * 10, "-"),
    (
        "273-0102",
        "千葉県鎌ケ谷市右京塚　東3丁目-20-5　郵便・A&bコーポB604号",
        "2730102 3 - 2 0 - 5 CC1 1 6 0 4 CC4 CC4",
        "0",
    ),
    (
        "198-0036",
        "東京都青梅市河辺町十一丁目六番地一号　郵便タワー601",
        "1980036 1 1 - 6 - 1 - 6 0 1 CC4 CC4 CC4",
        "CC8",
    ),
    ("027-0203", "岩手県宮古市大字津軽石第二十一地割大淵川480", "0270203 2 1 - 4 8 0" + " CC4" * 7, "CC5"),
    ("590-0016", "大阪府堺市堺区中田出井町四丁六番十九号", "5900016 4 - 6 - 1 9" + " CC4" * 7, "CC2"),
    ("080-0831", "北海道帯広市稲田町南七線　西28", "0800831 7 - 2 8" + " CC4" * 9, "CC7"),
    ("317-0055", "茨城県日立市宮田町6丁目7-14　ABCビル2F", "3170055 6 - 7 - 1 4 - 2" + " CC4" * 5, "CC1"),
    (
        "650-0046",
        "神戸市中央区港島中町9丁目7-6　郵便シティA棟1F1号",
        "6500046 9 - 7 - 6 CC1 0 1 - 1 CC4 CC4 CC4",
        "5",
    ),
    (
        "623-0011",
        "京都府綾部市青野町綾部6-7　LプラザB106",
        "6230011 6 - 7 CC2 1 CC1 1 1 0 6 CC4 CC4 CC4",
        "4",
    ),
    (
        "064-0804",
        "札幌市中央区南四条西29丁目1524-23　第2郵便ハウス501",
        "0640804 2 9 - 1 5 2 4 - 2 3 - 2 -",
        "3",
    ),
    ("910-0067", "福井県福井市新田塚3丁目80-25　J1ビル2-B", "9100067 3 - 8 0 - 2 5 CC1 9 1 - 2 CC1", "9"),
]


def _expand(spec: str) -> list[str]:
    postcode, *rest = spec.split()
    return [*postcode, *rest]


@pytest.mark.parametrize(("postcode", "address", "data", "check"), P25_CASES)
def test_japan_post_worked_examples(postcode: str, address: str, data: str, check: str) -> None:
    expected = _expand(data)
    assert len(expected) == 20
    symbols = customer_barcode_symbols(postcode, address)
    assert symbols == ["STC", *expected, check, "SPC"]
    assert data_string_to_symbols(customer_barcode_data(postcode, address)) == expected
    assert len(customer_barcode_bars(postcode, address)) == 67


# --- the bar table ------------------------------------------------------------------------------

# Japan Post numbering (1 long, 2 upper semi-long, 3 lower semi-long, 4 timing), manual p11.
PUBLISHED = {
    "1": "114", "2": "132", "3": "312", "4": "123", "5": "141", "6": "321", "7": "213",
    "8": "231", "9": "411", "0": "144", "-": "414", "CC1": "324", "CC2": "342", "CC3": "234",
    "CC4": "432", "CC5": "243", "CC6": "423", "CC7": "441", "CC8": "111", "STC": "13", "SPC": "31",
}  # fmt: skip


@pytest.mark.parametrize(("symbol", "code"), sorted(PUBLISHED.items()))
def test_symbol_bars_match_published_table(symbol: str, code: str) -> None:
    letters = {"1": "F", "2": "A", "3": "D", "4": "T"}
    assert symbol_bars(symbol) == tuple(letters[n] for n in code)


def test_bar_table_is_complete_and_unambiguous() -> None:
    characters = [s for s in SYMBOL_BARS if s not in ("STC", "SPC")]
    assert sorted(characters) == sorted(CHECK_VALUES)
    assert all(len(symbol_bars(s)) == 3 for s in characters)
    assert len({symbol_bars(s) for s in characters}) == 19  # a reader can tell them apart
    assert symbol_bars("1") == ("F", "F", "T")
    assert symbol_bars("CC4") == ("T", "D", "A")
    with pytest.raises(ValueError):
        symbol_bars("A")


def test_check_values() -> None:
    assert [CHECK_VALUES[str(d)] for d in range(10)] == list(range(10))
    assert CHECK_VALUES["-"] == 10
    assert [CHECK_VALUES[f"CC{n}"] for n in range(1, 9)] == list(range(11, 19))


def test_check_character_makes_sum_a_multiple_of_19() -> None:
    for postcode, address, _data, _check in P25_CASES:
        symbols = customer_barcode_symbols(postcode, address)
        assert sum(CHECK_VALUES[s] for s in symbols[1:22]) % 19 == 0
    assert check_character(["0"] * 20) == "0"
    assert check_character(["0"] * 19 + ["1"]) == "CC8"


# --- extraction rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        # 番地 / の / 番 / 号 / 丁目 become separators
        ("東京都新宿区西新宿2丁目8番地の1", "2-8-1"),
        ("埼玉県川越市大字小室22番地の1", "22-1"),
        ("奈良県御所市1番地の3", "1-3"),
        ("大阪府堺市北区北花田口町3丁2-6", "3-2-6"),
        # kanji numerals in front of the markers
        ("東京都中央区銀座四丁目五番六号", "4-5-6"),
        ("東京都世田谷区若林三丁目16番4号 郵政マンション205号", "3-16-4-205"),
        ("岩手県八幡平市大更第三十五地割六十二番地", "35-62"),
        ("東京都港区虎ノ門二十三番地", "23"),
        ("市川市百二十番地", "120"),
        # full-width digits, letters and hyphens
        ("港区六本木１－２－３　Ａ棟１０１号室", "1-2-3A101"),
        ("港区芝５−２９−１１　ＢＡＳＥ田町１３階", "5-29-11-13"),
        # a single letter is kept even inside a name (Japan Post rule 3): G-BASE → G
        ("港区芝５−２９−１１　Ｇ－ＢＡＳＥ田町１３階", "5-29-11G13"),
        # building and room numbers
        ("霞が関1丁目3番2号 郵便プラザ503室", "1-3-2-503"),
        ("港区芝5丁目29番11号 田町ビル13F 1302号室", "5-29-11-13-1302"),
        ("川越市大字小室22-1 郵政団地 A棟308号室", "22-1A308"),
        ("台東区台東5-6-3 ABCビル10F", "5-6-3-10"),
        # town names with kanji numerals stay town names
        ("東京都中央区八丁堀三丁目5番2号", "3-5-2"),
        ("東京都千代田区三番町6-1", "6-1"),
        ("千葉県長生郡一宮町一の宮1番地の3", "1-3"),
        ("北海道札幌市白石区東札幌一条三丁目5番", "3-5"),
        ("東京都港区六本木六丁目10番1号", "6-10-1"),
        # no address number at all (large business / 私書箱 style)
        ("東京都千代田区霞が関", ""),
        # strict Japan Post rule: a kanji numeral not followed by a marker is not a number
        ("東京都港区芝公園三番地の五", "3"),
    ],
)
def test_address_number_extraction(address: str, expected: str) -> None:
    assert address_number(address) == expected


def test_letters_use_control_codes() -> None:
    cases = {"A": ["CC1", "0"], "J": ["CC1", "9"], "K": ["CC2", "0"], "T": ["CC2", "9"],
             "U": ["CC3", "0"], "Z": ["CC3", "5"]}  # fmt: skip
    for letter, codes in cases.items():
        symbols = customer_barcode_symbols("1000013", f"1-{letter}")
        assert symbols[8:12] == ["1", *codes, "CC4"], letter


def test_lowercase_and_removed_characters() -> None:
    assert address_number("3-20-5 郵便・a&bコーポb604号") == "3-20-5B604"
    assert address_number("1.2/3") == "123"


def test_padding_when_there_is_no_address_number() -> None:
    assert customer_barcode_data("100-8792", "日本郵便株式会社") == "1008792" + "CC4" * 13


def test_truncation_keeps_only_control_code_of_split_letter() -> None:
    data = data_string_to_symbols(customer_barcode_data("910-0067", "新田塚3丁目80-25 J1ビル2-B"))
    assert data[-1] == "CC1" and len(data) == 20


def test_truncation_keeps_hyphen_in_20th_position() -> None:
    data = customer_barcode_data("064-0804", "南四条西29丁目1524-23 第2郵便ハウス501")
    assert data == "064080429-1524-23-2-"


def test_kanji_to_number() -> None:
    cases = {"一": "1", "十": "10", "十一": "11", "二十": "20", "二十一": "21", "二一": "21",
             "一十": "10", "百": "100", "百五": "105", "三百二十": "320", "一〇": "10"}  # fmt: skip
    for numeral, expected in cases.items():
        assert kanji_to_number(numeral) == expected
    with pytest.raises(ValueError):
        kanji_to_number("万")


def test_normalize_postcode() -> None:
    assert normalize_postcode("100-0013") == "1000013"
    assert normalize_postcode("〒１００－００１３") == "1000013"
    for bad in ("100-001", "10000134", "ABC-DEFG", ""):
        with pytest.raises(ValueError):
            normalize_postcode(bad)


def test_data_string_round_trip_and_validation() -> None:
    assert data_string_to_symbols("1000013CC19-CC4") == [*"1000013", "CC1", "9", "-", "CC4"]
    with pytest.raises(ValueError):
        data_string_to_symbols("100A")
    with pytest.raises(ValueError):
        data_string_to_symbols("CC9")


def test_address_block_carries_the_addressee_and_the_barcode_of_the_address() -> None:
    from ccus.models.postal_barcode import address_block

    block = address_block("１００－００１３", "東京都千代田区霞が関1丁目3番2号 郵便プラザ503室", "山田 太郎", "様")
    assert block["postcode"] == "100-0013"
    assert block["addressee"] == "山田 太郎　様"
    assert block["barcode_data"] == "10000131-3-2-503CC4CC4CC4CC4"
    symbols = (block["barcode_symbols"] or "").split()
    assert symbols[0] == "STC" and symbols[-1] == "SPC" and symbols[-2] == "9" and len(symbols) == 23


def test_address_block_without_a_readable_postcode_has_no_barcode() -> None:
    from ccus.models.postal_barcode import address_block

    for postcode, address in ((None, "東京都新宿区西新宿2丁目8番1号"), ("12-345", "東京都新宿区西新宿2丁目8番1号"),
                              ("163-8001", None)):
        block = address_block(postcode, address, "山田 太郎", "様")
        assert block["barcode_data"] is None and block["barcode_symbols"] is None
