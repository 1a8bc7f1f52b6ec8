"""The OpenAPI document: valid (openapi-spec-validator), served and printed exactly as the one file in
the repository (Sources/ReplydAPI/Resources/openapi.json, embedded in the binary; docs/openapi.json
links to it), and every operation it lists is served (no 404/405 from the router with a token that
may call it)."""
import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from openapi_spec_validator import validate

from conftest import BINARY, ROOT, config_with

TOKEN = "openapi-test-token-0123456789"
CONFIG = config_with() + f"""
[[api.tokens]]
name = "ops"
token = "{TOKEN}"
scopes = ["admin"]
"""

EXAMPLES = {"address": "jan@example.test", "contact": "ann@client.test", "list": "%2B48500100200", "id": "1",
            "order_id": "A-1", "event": "shipped", "channel": "sms", "locale": "pl"}


def fetch(server, method, path, token=TOKEN, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(f"http://127.0.0.1:{server.http_port}{path}", method=method, headers=headers, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_document_is_valid_and_kept_in_the_repository(make_server):
    server = make_server(CONFIG)
    status, served = fetch(server, "GET", "/api/v1/openapi.json", token=None)
    assert status == 200
    document = json.loads(served)
    validate(document)
    source = ROOT / "Sources" / "ReplydAPI" / "Resources" / "openapi.json"
    assert served == source.read_bytes(), "the binary embeds an older openapi.json: rebuild"
    assert (ROOT / "docs" / "openapi.json").resolve() == source.resolve()
    printed = subprocess.run([str(BINARY), "openapi"], capture_output=True, timeout=30, check=True).stdout
    assert printed == served


def test_every_documented_operation_is_served(make_server):
    server = make_server(CONFIG)
    document = json.loads(fetch(server, "GET", "/api/v1/openapi.json", token=None)[1])
    operations = 0
    for template, item in document["paths"].items():
        path = template
        for name, value in EXAMPLES.items():
            path = path.replace("{" + name + "}", value)
        for method in ("get", "post", "put", "delete"):
            if method not in item:
                continue
            operations += 1
            status, body = fetch(server, method.upper(), path, body={} if method in ("post", "put") else None)
            # Whatever the answer (200, 400 for the empty body, 404 for a missing item), it comes from
            # the handler, which always answers JSON with an error text; the router's own 404 does not.
            assert status != 405, (method, path)
            if status == 404:
                assert "error" in json.loads(body), (method, path, body)
            # And without a token, every operation but the document itself is refused.
            if template != "/api/v1/openapi.json":
                assert fetch(server, method.upper(), path, token=None)[0] == 401, (method, path)
    assert operations == 29
