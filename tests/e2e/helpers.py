"""HTTP helpers the e2e tests share: the admin API, raw requests and /metrics. Fixtures and
the SMTP side live in conftest.py."""
import json
import re
import urllib.error
import urllib.request


def http_request(server, method, path, body=None, token=None, content_type="application/json", raw=None, headers=None):
    """(status, body bytes, headers) of one request to the server's HTTP port. `body` is sent as
    JSON, `raw` as it is; `token` becomes a bearer Authorization header."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    sent = dict(headers or {})
    if data is not None:
        sent.setdefault("Content-Type", content_type)
    if token:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{server.http_port}{path}", data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def api_call(server, method, path, body=None, token=None, **options):
    """(status, parsed JSON body or None, headers)."""
    status, payload, headers = http_request(server, method, path, body=body, token=token, **options)
    return status, (json.loads(payload) if payload else None), headers


def scrape(server):
    """Every series of /metrics and its value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        values[name] = float(value)
    return values


def metric(values, name, **labels):
    """The value of one series, labels in any order (0 when absent)."""
    for series, value in values.items():
        match = re.fullmatch(r"([^{]+)(?:\{(.*)\})?", series)
        if match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if found == {k: str(v) for k, v in labels.items()}:
            return value
    return 0
