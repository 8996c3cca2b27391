import random
import re
from collections.abc import Iterator

import pytest

from ccus.models.identifiers import (
    application_number,
    application_number_is_valid,
    corporate_number_is_valid,
    employment_insurance_number_is_valid,
    insurer_number_is_valid,
    normalize_application_number,
    normalize_postcode,
    registry_id_check_digit,
    registry_id_from_serial,
    registry_id_is_valid,
)

CORPORATE_NUMBERS = ["7123456789012", "4011001098993", "1180301018771"]
INSURER_NUMBERS = ["01130012", "33120015"]


def single_digit_typos(number: str) -> Iterator[str]:
    for i, digit in enumerate(number):
        for other in "0123456789":
            if other != digit:
                yield number[:i] + other + number[i + 1 :]


def adjacent_transpositions(number: str) -> Iterator[str]:
    for i in range(len(number) - 1):
        if number[i] != number[i + 1]:
            yield number[:i] + number[i + 1] + number[i] + number[i + 2 :]


@pytest.mark.parametrize("number", CORPORATE_NUMBERS)
def test_published_corporate_numbers_are_valid(number: str) -> None:
    assert corporate_number_is_valid(number)


def test_corporate_number_accepts_full_width_digits() -> None:
    assert corporate_number_is_valid("７１２３４５６７８９０１２")


@pytest.mark.parametrize("number", CORPORATE_NUMBERS)
def test_corporate_number_with_any_other_check_digit_is_rejected(number: str) -> None:
    for other in "0123456789".replace(number[0], ""):
        assert not corporate_number_is_valid(other + number[1:])


@pytest.mark.parametrize("text", ["712345678901", "71234567890123", "712345678901a", "", "¹123456789012"])
def test_corporate_number_must_be_thirteen_digits(text: str) -> None:
    assert not corporate_number_is_valid(text)


@pytest.mark.parametrize("number", [*INSURER_NUMBERS, "０１１３００１２", "138057", "１３８０５７"])
def test_insurer_numbers_with_good_check_digit_or_six_digits_are_valid(number: str) -> None:
    assert insurer_number_is_valid(number)


@pytest.mark.parametrize("number", INSURER_NUMBERS)
def test_every_single_digit_typo_in_an_insurer_number_is_caught(number: str) -> None:
    assert not any(insurer_number_is_valid(typo) for typo in single_digit_typos(number))


@pytest.mark.parametrize("text", ["0113001", "011300123", "0113001a", "", "12345"])
def test_insurer_number_of_wrong_shape_is_invalid(text: str) -> None:
    assert not insurer_number_is_valid(text)


@pytest.mark.parametrize(
    "number", ["1234-567890-1", "12345678901", "１２３４－５６７８９０－１", "1234ー567890ー1"]
)
def test_employment_insurance_number_accepts_with_or_without_hyphens(number: str) -> None:
    assert employment_insurance_number_is_valid(number)


@pytest.mark.parametrize("text", ["1234-56789-01", "123456789012", "1234567890", "abcd-efghij-k", ""])
def test_employment_insurance_number_of_wrong_shape_is_invalid(text: str) -> None:
    assert not employment_insurance_number_is_valid(text)


@pytest.mark.parametrize(
    "raw",
    ["1000013", "100-0013", "１００－００１３", "〒100-0013", "〒 １００ー００１３ ", "100−0013", "100ｰ0013"],
)
def test_postcode_is_normalised_to_three_dash_four(raw: str) -> None:
    assert normalize_postcode(raw) == "100-0013"


@pytest.mark.parametrize("raw", ["100-001", "1000-013", "10000134", "abc-defg", "", "〒"])
def test_malformed_postcode_is_refused_in_japanese(raw: str) -> None:
    with pytest.raises(ValueError, match="郵便番号"):
        normalize_postcode(raw)


def test_registry_id_from_serial_appends_mod11_check_digit() -> None:
    assert registry_id_from_serial(1) == "00000000000019"  # 1×2 = 2, (11 − 2) mod 11 = 9
    assert registry_id_from_serial(5) == "00000000000051"  # 5×2 = 10 → 1
    assert registry_id_from_serial(11) == "00000000000116"  # 1×2 + 1×3 = 5 → 6


def test_registry_id_weights_cycle_two_to_seven_from_the_right() -> None:
    assert registry_id_check_digit("0000000100000") == 4  # weight 7 → 11 − 7
    assert registry_id_check_digit("0000001000000") == 9  # weight 2 again
    assert registry_id_check_digit("1000000000000") == 9  # 13th place: weight 2


def test_serial_whose_check_digit_would_be_ten_is_skipped() -> None:
    assert registry_id_check_digit("0000000000006") is None  # 6×2 = 12 ≡ 1 → 10
    assert registry_id_from_serial(6) is None


def test_about_one_serial_in_eleven_is_skipped() -> None:
    skipped = sum(registry_id_from_serial(serial) is None for serial in range(1, 11_001))
    assert 900 <= skipped <= 1_100


@pytest.mark.parametrize("serial", [0, -1, 10**13])
def test_serial_out_of_range_is_refused(serial: int) -> None:
    with pytest.raises(ValueError):
        registry_id_from_serial(serial)


@pytest.mark.parametrize("body", ["123", "12345678901234", "123456789012a"])
def test_check_digit_needs_a_thirteen_digit_body(body: str) -> None:
    with pytest.raises(ValueError):
        registry_id_check_digit(body)


def _issued_registry_ids(count: int) -> list[str]:
    rng = random.Random(20260401)
    issued = (registry_id_from_serial(rng.randrange(1, 10**13)) for _ in range(count * 2))
    return [registry_id for registry_id in issued if registry_id is not None][:count]


def test_issued_registry_ids_are_valid_also_in_full_width() -> None:
    for registry_id in _issued_registry_ids(200):
        assert registry_id_is_valid(registry_id)
        assert registry_id_is_valid(
            registry_id.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        )


def test_every_single_digit_typo_in_a_registry_id_is_caught() -> None:
    for registry_id in _issued_registry_ids(300):
        assert not any(registry_id_is_valid(typo) for typo in single_digit_typos(registry_id))


def test_every_adjacent_transposition_in_a_registry_id_is_caught() -> None:
    for registry_id in _issued_registry_ids(300):
        assert not any(registry_id_is_valid(swap) for swap in adjacent_transpositions(registry_id))


@pytest.mark.parametrize("text", ["0000000000001", "000000000000190", "0000000000001a", ""])
def test_registry_id_of_wrong_shape_is_invalid(text: str) -> None:
    assert not registry_id_is_valid(text)


def test_application_number_is_year_serial_and_damm_digit() -> None:
    number = application_number(2026, 1234)
    assert re.fullmatch(r"26-0001234-[0-9]", number)
    assert number == "26-0001234-9"
    assert application_number(26, 1234) == number


@pytest.mark.parametrize(("year", "serial"), [(2100, 1), (1999, 1), (-1, 1), (2026, 0), (2026, 10_000_000)])
def test_application_number_out_of_range_is_refused(year: int, serial: int) -> None:
    with pytest.raises(ValueError):
        application_number(year, serial)


@pytest.mark.parametrize("raw", ["26-0001234-9", "2600012349", "２６－０００１２３４－９", " 26 0001234 9 "])
def test_application_number_is_normalised_from_phone_style_input(raw: str) -> None:
    assert normalize_application_number(raw) == "26-0001234-9"
    assert application_number_is_valid(raw)


@pytest.mark.parametrize(
    ("raw", "message"), [("26-0001234-8", "確認数字"), ("26-000123-9", "10桁"), ("ab-cdefghi-j", "10桁")]
)
def test_bad_application_number_is_refused_in_japanese(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_application_number(raw)
    assert not application_number_is_valid(raw)


def _sample_application_numbers(count: int) -> list[str]:
    rng = random.Random(26)
    numbers = [
        application_number(rng.randrange(2000, 2100), rng.randrange(1, 10_000_000)) for _ in range(count)
    ]
    return [n.replace("-", "") for n in numbers]


def test_damm_catches_every_single_digit_error() -> None:
    for number in _sample_application_numbers(500):
        assert not any(application_number_is_valid(typo) for typo in single_digit_typos(number))


def test_damm_catches_every_adjacent_transposition() -> None:
    for number in _sample_application_numbers(500):
        assert not any(application_number_is_valid(swap) for swap in adjacent_transpositions(number))
