"""The schema: served to signed-in people only, OpenAPI 3.1, every operation with its error answers, and the
copy checked into docs/openapi.yaml is the one the code generates (`make openapi` refreshes it)."""

from pathlib import Path

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

ARTEFACT = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def _generated() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_docs_openapi_yaml_is_the_generated_schema():
    text = OpenApiYamlRenderer().render(_generated(), renderer_context={}).decode()
    assert ARTEFACT.read_text() == text, "docs/openapi.yaml is stale: run `make openapi`"


def test_every_operation_documents_its_errors_with_the_error_body():
    schema = _generated()
    assert schema["openapi"] == "3.1.0"
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "429"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method == "get":
                assert "304" in codes, (method, path)
            body = operation["responses"]["401"]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}
            assert {"personalToken": []} in operation["security"]


def test_schema_and_docs_need_a_signed_in_person(client, employee):
    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code == 302
    assert client.get("/api/redoc/").status_code == 302
    client.force_login(employee)
    assert client.get("/api/schema/?format=json").json()["info"]["title"] == "Advocacy API"
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in page and "cdn" not in page.lower()
