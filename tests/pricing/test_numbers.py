"""One number parser for every entry point: digits as people type them, nothing more liberal."""

from decimal import Decimal as D

import pytest

from pricing.workload import WorkloadError, parse_workload
from pricing.workload.numbers import NumberError, parse_decimal, parse_whole_number


@pytest.mark.parametrize(
    ("text", "value"),
    [("1000", 1000), ("1,000", 1000), ("1_000", 1000), ("12,345,678", 12345678), (" 25,000 ", 25000)],
)
def test_thousands_separators_in_their_places(text, value):
    assert parse_whole_number(text) == value


@pytest.mark.parametrize(("text", "value"), [("1,000.5", D("1000.5")), ("0.25", D("0.25")), (".5", D("0.5"))])
def test_decimals_take_a_dot(text, value):
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", ["1,5", "0,25", "1.000,5", "12,3456"])
def test_a_decimal_comma_is_refused_with_a_hint(text):
    with pytest.raises(NumberError, match=r"^use a dot for decimals \(1\.5, not 1,5\)\.$"):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["1,0,0,0", "10,00", "1_0", "1,000_000", "1__000", ",100"])
def test_separators_out_of_place_are_refused(text):
    with pytest.raises(NumberError) as error:
        parse_whole_number(text)
    assert str(error.value) in (
        "must be a whole number: commas or underscores only between thousands (1,000).",
        "use a dot for decimals (1.5, not 1,5).",
    )


@pytest.mark.parametrize("text", ["١٢", "１０", "²", "𝟗", "½", "٣"])
def test_only_ascii_digits(text):
    with pytest.raises(NumberError, match="^must be a whole number written with the digits 0-9.$"):
        parse_whole_number(text)


def test_every_entry_point_reads_numbers_the_same_way():
    assert parse_workload({"sessions_per_month": "1,000"}).sessions_per_month == 1000
    with pytest.raises(WorkloadError) as error:
        parse_workload({"function_calls_per_turn": "1,5", "turns_per_session": "1,0,0,0", "rag_results": "²"})
    out_of_place = "must be a whole number: commas or underscores only between thousands (1,000)."
    assert error.value.errors == {
        "function_calls_per_turn": ["use a dot for decimals (1.5, not 1,5)."],
        "turns_per_session": [out_of_place],
        "rag_results": ["must be a whole number written with the digits 0-9."],
    }


def test_json_numbers_are_taken_as_they_are():
    assert parse_whole_number(3) == 3 and parse_whole_number(D("3.0")) == 3
    assert parse_decimal(0.1) == D("0.1")
    with pytest.raises(NumberError, match="^must be a whole number, not true/false.$"):
        parse_whole_number(True)
