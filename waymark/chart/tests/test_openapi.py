"""The OpenAPI description: served, valid, complete, and true about errors.

/api/v1/openapi.json is public: it describes the API and holds no patient
data. Every operation documents its error responses as problem+json with
the ProblemDetail schema; these tests check that against real responses, and
fuzz the endpoints with schemathesis for server errors.
"""

import inspect
import json
import re
from typing import Any, get_args
from urllib.parse import urlencode

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from waymark.api_errors import ProblemDetail
from waymark.assess import api as assess_api
from waymark.chart import api as chart_api
from waymark.chart.models import Episode
from waymark.chart.tests.api_helpers import Api, problem, session_api, token_api
from waymark.community import api as community_api
from waymark.companion import api as companion_api
from waymark.companion.tests.conftest import start as start_companion
from waymark.conftest import World
from waymark.directory import api as directory_api
from waymark.directory.tests.helpers import make_facility
from waymark.incentives import api as incentives_api
from waymark.labs import api as labs_api
from waymark.meds import api as meds_api

PREFIX = "/api/v1"
# Reference data, no patient in it: any signed-in user may read it.
REFERENCE_DATA = {f"{PREFIX}/analytes"}
# Anonymous by design (the public self-check and the treatment directory; nothing stored): no security, no 401.
PUBLIC = {
    ("get", f"{PREFIX}/instruments"),
    ("get", f"{PREFIX}/instruments/{{code}}"),
    ("post", f"{PREFIX}/instruments/{{code}}/score"),
    ("get", f"{PREFIX}/facilities"),
    ("get", f"{PREFIX}/facilities/{{facility_id}}"),
}
# A person's own list, empty for someone in no group: any signed-in user may read it.
OWN_LISTS = {("get", f"{PREFIX}/community/groups")}
# What a public read needs in its query string.
QUERIES = {f"{PREFIX}/facilities": "?near=10001"}
METHODS = ("get", "post", "patch", "put", "delete")


@pytest.fixture
def schema(db: None) -> dict[str, Any]:
    response = Client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _fill(path: str, world: World | None = None, facility_id: int = 1) -> str:
    """The path with real ids where a world exists, else with 1."""
    ids: dict[str, object] = {
        "patient_id": 1,
        "episode_id": 1,
        "consent_id": 1,
        "specimen_id": 1,
        "code": "cows",
        "facility_id": facility_id,
        "group_id": 1,
    }
    if world is not None:
        ids = {
            "patient_id": world.patient.pk,
            "episode_id": world.patient.episodes.get().pk,
            "consent_id": world.patient.consents.get().pk,
            "specimen_id": 1,
            "code": "cows",
            "facility_id": facility_id,
            "group_id": 1,
        }
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def _call(client: Client, method: str, path: str, body: Any = None) -> Any:
    if method == "get":
        return client.get(path)
    data = json.dumps({} if body is None else body)
    return getattr(client, method)(path, data, content_type="application/json")


class TestOpenApiDocument:
    def test_it_is_served_without_signing_in(self, schema: dict[str, Any]) -> None:
        assert schema["openapi"].startswith("3.")
        assert schema["info"]["title"] == "Waymark API"

    def test_it_is_valid_openapi(self, schema: dict[str, Any]) -> None:
        schemathesis.openapi.from_dict(schema).validate()

    def test_it_lists_every_endpoint_of_every_app(self, schema: dict[str, Any]) -> None:
        apps = (chart_api, meds_api, labs_api, incentives_api, assess_api, directory_api, companion_api, community_api)
        source = "".join(inspect.getsource(m) for m in apps)
        declared = {
            (method, PREFIX + path) for method, path in re.findall(r'@router\.(\w+)\(\s*"([^"]+)"', source, re.S)
        }
        documented = {(method, path) for method, path, _ in _operations(schema)}
        assert len(declared) == 36
        assert declared == documented

    def test_it_names_both_ways_to_authenticate(self, schema: dict[str, Any]) -> None:
        schemes = schema["components"]["securitySchemes"]
        assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
        assert schemes["SessionAuth"]["in"] == "cookie"
        for method, path, operation in _operations(schema):
            if (method, path) in PUBLIC:
                assert "security" not in operation, (method, path)
                continue
            assert operation["security"] == [{"TokenAuth": []}, {"SessionAuth": []}]

    def test_every_operation_documents_its_errors_as_problem_json(self, schema: dict[str, Any]) -> None:
        assert schema["components"]["schemas"]["ProblemDetail"]["required"] == ["title", "status"]
        for method, path, operation in _operations(schema):
            expected = {"401", "403"}
            if "{" in path:
                expected.add("404")
            if operation.get("parameters") or "requestBody" in operation:
                expected.add("422")
            if "requestBody" in operation:
                expected |= {"400", "413"}
            assert expected <= set(operation["responses"]), (method, path)
            for status in expected:
                content = operation["responses"][status]["content"]
                assert content == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
                }, (method, path, status)

    def test_it_keeps_search_text_out_of_urls(self, schema: dict[str, Any]) -> None:
        for _, _, operation in _operations(schema):
            for parameter in operation.get("parameters", []):
                assert parameter["name"] not in {"q", "name", "mrn", "date_of_birth"}

    def test_its_choices_match_the_models(self) -> None:
        assert set(get_args(chart_api.SeverityCode)) == {"", *Episode.Severity.values}
        assert set(get_args(chart_api.DischargeCode)) == {"", *Episode.DischargeReason.values}


class TestDocumentedErrorsInPractice:
    def test_every_operation_answers_401_problem_without_credentials(
        self, schema: dict[str, Any], world: World
    ) -> None:
        for method, path, operation in _operations(schema):
            if (method, path) in PUBLIC:
                continue
            response = _call(Client(enforce_csrf_checks=True), method, _fill(path), body={})
            body = problem(response, 401)
            assert "401" in operation["responses"], (method, path)
            assert response["WWW-Authenticate"].startswith("Bearer")
            ProblemDetail.model_validate(body)

    def test_every_error_a_denied_role_gets_is_documented(self, schema: dict[str, Any], world: World) -> None:
        client = session_api(world.user("peer_moderator")).client
        facility = make_facility("Harbor Recovery")
        for method, path, operation in _operations(schema):
            if path in REFERENCE_DATA or (method, path) in OWN_LISTS or ((method, path) in PUBLIC and method == "get"):
                filled = _fill(path, facility_id=facility.pk) + QUERIES.get(path, "")
                assert _call(client, method, filled).status_code == 200, path
                continue
            response = _call(client, method, _fill(path, world), body={})
            status = str(response.status_code)
            # A group one is not in answers 404, as one that does not exist (its existence is not revealed).
            denied = {"403", "422", "404"} if "{group_id}" in path else {"403", "422"}
            assert status in denied, (method, path, status)
            assert status in operation["responses"], (method, path, status)
            ProblemDetail.model_validate(problem(response, response.status_code))

    def test_unknown_paths_and_methods_are_problems_too(self, world: World) -> None:
        api = token_api(world.user("nurse"))
        problem(api.get("/no-such-thing"), 404)
        problem(api.get("/"), 404)
        response = api.client.delete(f"{PREFIX}/patients/{world.patient.pk}")
        problem(response, 405)
        assert set(response["Allow"].split(", ")) == {"GET", "PATCH"}


def _fuzz_strategy(schema: dict[str, Any], world: World) -> st.SearchStrategy[Any]:
    loaded = schemathesis.openapi.from_dict(schema)
    ids = {
        "patient_id": world.patient.pk,
        "episode_id": world.patient.episodes.get().pk,
        "consent_id": world.patient.consents.get().pk,
    }
    strategies = []
    for result in loaded.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        params = {name: value for name, value in ids.items() if "{" + name + "}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=params))
    return st.one_of(strategies)


class TestFuzzing:
    @pytest.mark.parametrize("role", ["program_admin", "counsellor", "nurse", "patient"])
    def test_no_input_makes_the_server_fail(self, schema: dict[str, Any], world: World, role: str) -> None:
        """Generated valid and invalid input on real ids: never a 5xx, every error a documented problem.

        The program admin reaches every chart and records disclosures; the counsellor
        works from a care team and may break the glass; the nurse doses at the window;
        the patient uses the companion (check-ins and journal entries)."""
        if role == "patient":  # patients have no API tokens: a signed-in session, as the installed app uses
            start_companion(world.user(role))
            api: Api = session_api(world.user(role))
        else:
            api = token_api(world.user(role))
        strategy = _fuzz_strategy(schema, world)

        @settings(
            max_examples=200,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case: Any) -> None:
            sent = case.as_transport_kwargs(base_url="http://testserver")
            path = case.formatted_path
            if sent.get("params"):
                path += "?" + urlencode(sent["params"], doseq=True)
            method = case.method.lower()
            if "json" in sent:
                body: str | bytes = json.dumps(sent["json"])
                content_type = "application/json"
            else:
                body = sent.get("data") or b""
                content_type = sent["headers"].get("Content-Type", "application/json")
            if method == "get":
                response = api.client.get(path)
            else:
                response = getattr(api.client, method)(path, body, content_type=content_type)
            assert response.status_code < 500, (case.method, path, response.content[:300])
            if response.status_code >= 400:
                operation = schema["paths"][case.path][method]
                assert str(response.status_code) in operation["responses"], (case.method, path, response.status_code)
                ProblemDetail.model_validate(problem(response, response.status_code))

        check()
