"""Phone numbers for call and text links: what is accepted, the words for what is not, and the dial string."""

import pytest

from waymark.companion.services_network import dial, phone_error


@pytest.mark.parametrize("phone", ["2075550199", "(207) 555-0199", "+1 207 555 0199", "+44 20 7946 0958", "555-0199"])
def test_real_numbers_are_accepted(phone: str) -> None:
    assert phone_error(phone) is None


@pytest.mark.parametrize(
    "phone", ["", "abc", "207.555.0199", "12345", "(((((((", "+1-207-555-0199-123456", "1+2075550199"]
)
def test_other_input_is_refused_with_a_reason(phone: str) -> None:
    assert phone_error(phone)


@pytest.mark.parametrize(
    ("phone", "expected"),
    [("(207) 555-0199", "2075550199"), ("+1 (207) 555-0199", "+12075550199"), (" +44 20 7946 0958", "+442079460958")],
)
def test_dial_keeps_digits_and_a_leading_plus(phone: str, expected: str) -> None:
    assert dial(phone) == expected
