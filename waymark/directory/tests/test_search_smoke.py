import pytest

from waymark.directory import search, zips
from waymark.directory.tests.helpers import make_facility, miles_north

pytestmark = pytest.mark.django_db


def test_nearest_first_and_filters() -> None:
    origin = zips.centroid("10001")
    assert origin
    far = make_facility("Far", at=miles_north(origin, 20), codes="SA OTP MM MD")
    near = make_facility("Near", at=miles_north(origin, 2), codes="SA BU MD")
    mid = make_facility("Mid", at=miles_north(origin, 9), codes="SA OTP MM PI")
    make_facility("Out of range", at=miles_north(origin, 40), codes="SA OTP MM MD")
    q = search.parse_query({"near": ["10001"], "radius": ["25"]})
    assert [r.facility for r in search.search(q)] == [near, mid, far]
    q = search.parse_query({"near": ["10001"], "services": ["methadone"], "payment": ["MD"]})
    results = search.search(q)
    assert [r.facility for r in results] == [far]
    assert results[0].matched == ["Methadone maintenance", "Medicaid"]
    assert results[0].distance_miles == 20.0
    q = search.parse_query({"near": ["10001"], "services": ["methadone,buprenorphine"], "limit": ["2"]})
    assert [r.facility for r in search.search(q)] == [near, mid]


@pytest.mark.parametrize(
    "params,parameter",
    [
        ({"near": ["99999"]}, "near"),
        ({"near": ["10001"], "radius": ["0"]}, "radius"),
        ({"near": ["10001"], "radius": ["501"]}, "radius"),
        ({"near": ["10001"], "services": ["XYZ"]}, "services"),
        ({"near": ["10001"], "services": ["MD"]}, "services"),
        ({"near": ["10001"], "limit": ["1.5"]}, "limit"),
        ({"near": ["91,0"]}, "near"),
    ],
)
def test_bad_parameters_name_the_parameter(params, parameter) -> None:
    with pytest.raises(search.SearchError) as error:
        search.parse_query(params)
    assert error.value.parameter == parameter
