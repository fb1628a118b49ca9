"""Conversation lengths: the share of conversations of each length, its mean and its percentiles."""

from decimal import Decimal as D
from fractions import Fraction

import pytest

from pricing.engine.population import population_of
from pricing.workload import Workload, WorkloadError, parse_workload


def close(value: D, exact: Fraction) -> bool:
    """Equal to 50 significant digits (shares are computed to 60)."""
    return abs(Fraction(value) - exact) <= abs(exact) / 10**50


def test_fixed_is_one_length():
    population = population_of(Workload(turns_distribution="fixed", turns_per_session=5))
    assert population.shares == (0, 0, 0, 0, 1)
    assert population.reach == (1,) * 5
    assert population.percentiles == {"p50": 5, "p90": 5, "p99": 5}


def test_geometric_folds_its_tail_into_the_longest_length():
    # Mean 4: p = 1/4, N = 80; P(n) = 0.25 * 0.75^(n-1) for n < 80 and P(80) = 0.75^79.
    population = population_of(Workload(turns_per_session=4))
    assert population.max_turns == 80
    assert population.shares[0] == D("0.25")
    assert population.shares[2] == D("0.140625")  # 0.25 * 0.75^2
    assert close(population.shares[-1], Fraction(3, 4) ** 79)
    assert close(sum(population.shares, D(0)), Fraction(1))
    # reach(t) = 0.75^(t-1): the share of conversations that get to turn t.
    assert population.reach[9] == D("0.0750846862792968750")  # 0.75^9


def test_the_mean_is_the_exact_mean_of_the_folded_distribution():
    # sum n*P(n) = T * (1 - q^N): a little under T.
    population = population_of(Workload(turns_per_session=8))
    exact = 8 * (1 - Fraction(7, 8) ** 160)
    assert Fraction(population.mean_numerator, population.mean_denominator) == exact
    assert close(population.mean_turns, exact)


def test_the_longest_geometric_length_is_a_thousand():
    assert population_of(Workload(turns_per_session=60)).max_turns == 1000


def test_a_mean_of_one_is_a_single_turn():
    assert population_of(Workload(turns_per_session=1)).shares == (1,)


def test_percentiles_are_exact_at_the_boundary():
    # Half the weight on 1 turn: the median is 1, not 2, however the shares are rounded.
    histogram = parse_workload({"turns_distribution": "histogram", "turns_histogram": "1:1,2:1"})
    assert population_of(histogram).percentiles["p50"] == 1
    thirds = parse_workload({"turns_distribution": "histogram", "turns_histogram": "1:1,2:0.5,3:1.5"})
    assert population_of(thirds).percentiles["p50"] == 2  # 1/3 + 1/6 = 1/2 exactly


def test_a_histogram_is_relative_shares():
    w = parse_workload({"turns_distribution": "histogram", "turns_histogram": [[10, 5], [1, 40], [2, 25]]})
    assert w.turns_histogram == ((1, D(40)), (2, D(25)), (10, D(5)))
    assert w.turns_per_session is None
    population = population_of(w)
    assert population.max_turns == 10
    assert close(population.shares[0], Fraction(40, 70))
    assert close(population.mean_turns, Fraction(40 + 50 + 50, 70))


@pytest.mark.parametrize(
    ("inputs", "errors"),
    [
        (
            {"turns_distribution": "histogram"},
            {"turns_histogram": ['is required with turns_distribution "histogram".']},
        ),
        (
            {"turns_histogram": "1:1"},
            {"turns_histogram": ['is only read with turns_distribution "histogram".']},
        ),
        (
            {"turns_distribution": "histogram", "turns_histogram": "1:1", "turns_per_session": 3},
            {
                "turns_per_session": [
                    "leave it out with a histogram: the mean length comes from the histogram."
                ]
            },
        ),
        (
            {"turns_distribution": "histogram", "turns_histogram": "1:1,1:2"},
            {"turns_histogram": ["pair 2: 1 turns is listed twice."]},
        ),
        (
            {"turns_distribution": "histogram", "turns_histogram": "0:1"},
            {"turns_histogram": ["pair 1: turns must be a whole number from 1 to 1,000."]},
        ),
        (
            {"turns_distribution": "histogram", "turns_histogram": "3:0"},
            {"turns_histogram": ["pair 1: the weight must be a number above 0 (at most 12 decimal places)."]},
        ),
        (
            {"turns_distribution": "histogram", "turns_histogram": "3"},
            {"turns_histogram": ["every entry must be a pair of turns and weight, like 1:40 or [1, 40]."]},
        ),
    ],
)
def test_histogram_errors_name_the_field(inputs, errors):
    with pytest.raises(WorkloadError) as error:
        parse_workload(inputs)
    assert error.value.errors == errors


def test_a_histogram_echoes_as_pairs_and_a_null_mean_input():
    w = parse_workload({"turns_distribution": "histogram", "turns_histogram": "1:3,4:1"})
    assert w.to_dict()["turns_histogram"] == [[1, "3"], [4, "1"]]
    assert w.to_dict()["turns_per_session"] is None


def test_a_share_too_small_for_one_decimal_is_said_in_words():
    from pricing.engine.notes import _share

    population = population_of(Workload(turns_per_session=6))
    assert _share(population, 1) == "every conversation"
    assert _share(population, 6) == f"{population.reach[5] * 100:.1f} % of conversations"
    assert _share(population, 60) == "fewer than 1 in 1,000 conversations"  # was "0.0021 %"
