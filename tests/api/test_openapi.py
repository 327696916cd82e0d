"""The API describes itself: every operation has a summary and a description, and every
request body a schema whose fields are named, so a client finds ``media_type`` or
``entrance_id`` in /docs instead of by trial and error."""

import pytest

READ_AS_FILES = {"text/csv", "application/gpx+xml", "image/jpeg"}   # bodies that are files


@pytest.fixture(scope="module")
def spec(db_url):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    with TestClient(create_app(Settings(database_url=db_url, pool_max=1))) as client:
        return client.get("/openapi.json").json()


def _operations(spec):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield f"{method.upper()} {path}", op


def _resolve(spec, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _named(spec, schema: dict) -> bool:
    """The schema is an object with named properties (or each of its forms is)."""
    schema = _resolve(spec, schema)
    forms = schema.get("oneOf") or schema.get("anyOf")
    if forms:
        return all(_named(spec, f) for f in forms)
    return bool(schema.get("properties"))


def test_every_operation_has_a_summary_and_a_description(spec):
    bare = [name for name, op in _operations(spec)
            if not op.get("summary") or not op.get("description")]
    assert bare == []


def test_every_request_body_names_its_fields(spec):
    bodies = {name: op["requestBody"]["content"] for name, op in _operations(spec)
              if "requestBody" in op}
    assert len(bodies) >= 20
    unnamed = [f"{name} ({media})" for name, content in bodies.items()
               for media, c in content.items()
               if media not in READ_AS_FILES and not _named(spec, c["schema"])]
    assert unnamed == []


def test_field_names_users_once_had_to_guess_are_documented(spec):
    schemas = spec["components"]["schemas"]
    assert "media_type" in schemas["PhotoIn"]["properties"]
    assert "reported_at" in schemas["HazardIn"]["required"]
    assert "entrance_id" in schemas["PlateIn"]["required"]
    assert {"uuid", "track", "marker_checks", "hazards"} <= set(schemas["PatrolIn"]["properties"])
    patrol = spec["paths"]["/inspections/{inspection_id}/patrols"]["post"]["requestBody"]
    assert patrol["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PatrolIn"}


def test_a_body_with_an_unknown_field_is_refused_naming_it(app, db_url):
    from tests.factories import committed_token, problem

    auth = {"Authorization": f"Bearer {committed_token(db_url, 'plates_officer')}"}
    found = problem(app.post("/plates", json={"entrance_id": 1, "colour": "blue"},
                             headers=auth), 422, "colour")
    assert "extra" in found["detail"].lower()


def test_invalid_input_is_documented_as_the_problem_it_is(spec):
    answers = [op["responses"]["422"] for _, op in _operations(spec) if "422" in op["responses"]]
    assert answers and all(list(a["content"]) == ["application/problem+json"] for a in answers)
    assert "field" in spec["components"]["schemas"]["Problem"]["properties"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
