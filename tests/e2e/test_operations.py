"""Operator ergonomics: the start-up banner, `replyd status` against a running instance, JSON log
lines, and retention (raw content pruned after N days, decisions and delivery records kept)."""
import json
import sqlite3

from conftest import config_with, db_query, deliver, make_message, set_vacation

TOKEN = "status-token-0123456789abcdef"
TOKENS = f"""
[[api.tokens]]
name = "monitor"
token = "{TOKEN}"
scopes = ["read"]
"""


def test_banner_names_addresses_files_and_next_steps(make_server):
    server = make_server(config_with() + TOKENS)
    # The harness returns once both listening lines are out; the rest follows a moment later.
    import time
    deadline = time.monotonic() + 10
    while "metrics at" not in "".join(server.output) and time.monotonic() < deadline:
        time.sleep(0.05)
    banner = "".join(server.output)
    for fragment in ["config:", "database:", str(server.db_path), "tls:", "delivery:", "sms:",
                     f"replyd: smtp listening on 127.0.0.1:{server.smtp_port}", f"web page: http://127.0.0.1:{server.http_port}/",
                     "replyd status"]:
        assert fragment in banner, fragment


def test_status_of_a_running_instance(make_server):
    server = make_server(config_with(http={"listen": "127.0.0.1:0"}) + TOKENS)
    set_vacation(server, "jan@example.test", "Urlop.\n")
    deliver(server, make_message(to="jan@example.test"), rcpts=("jan@example.test",))
    url = f"http://127.0.0.1:{server.http_port}"
    result = server.run_cli("status", "--url", url)
    assert f"at {url}" in result.stdout
    assert "received:  1 messages, 0 SMS" in result.stdout
    assert "queue:     1 email" in result.stdout and "vacations: 1 active" in result.stdout
    as_json = json.loads(server.run_cli("status", "--url", url, "--json").stdout)
    assert as_json["inbound_messages"] == 1 and as_json["smtp"] == f"127.0.0.1:{server.smtp_port}"
    wrong = server.run_cli("status", "--url", url, "--token", "not-the-token-at-all", check=False)
    assert wrong.returncode == 1 and "401" in wrong.stderr
    server.stop()
    down = server.run_cli("status", "--url", url, check=False)
    assert down.returncode == 1 and "not answering" in down.stderr


def test_json_log_lines(make_server):
    server = make_server(config_with(), extra_args=("--log-format", "json"))
    deliver(server, make_message())
    server.stop()
    lines = [line for line in server.output if line.startswith("{")]
    assert lines, "".join(server.output)
    for line in lines:
        entry = json.loads(line)
        assert {"ts", "level", "label", "message"} <= set(entry)


def test_retention_prunes_raw_content_and_keeps_the_record(make_server):
    server = make_server(config_with())
    set_vacation(server, "jan@example.test", "Urlop.\n")
    old = deliver(server, make_message(subject="stara", to="jan@example.test"), sender="a@client.test", rcpts=("jan@example.test",))
    new = deliver(server, make_message(subject="nowa", to="jan@example.test"), sender="b@client.test", rcpts=("jan@example.test",))
    server.stop()
    with sqlite3.connect(server.db_path) as db:
        db.execute("UPDATE inbound_message SET received_at = '2020-01-01 00:00:00.000' WHERE id = ?", (old,))
    refused = server.run_cli("prune", check=False)
    assert refused.returncode == 1 and "retention_days is 0" in refused.stderr
    assert "pruned the raw content of 1 messages older than 30 days" in server.run_cli("prune", "--days", "30").stdout
    assert db_query(server, "SELECT message FROM inbound_raw ORDER BY message") == [{"message": new}]
    assert db_query(server, "SELECT COUNT(*) AS n FROM inbound_header WHERE message = ?", old) == [{"n": 0}]
    # What happened to it is still there.
    assert len(db_query(server, "SELECT id FROM decision WHERE message = ?", old)) == 1
    assert len(db_query(server, "SELECT id FROM outbound WHERE inbound_message = ?", old)) == 1
    assert "stara" in server.run_cli("log").stdout
    assert "replied" in server.run_cli("explain", str(old)).stdout


def test_server_applies_retention_at_start(make_server):
    server = make_server(config_with())
    first = deliver(server, make_message())
    server.stop()
    with sqlite3.connect(server.db_path) as db:
        db.execute("UPDATE inbound_message SET received_at = '2020-01-01 00:00:00.000' WHERE id = ?", (first,))
    server.config_path.write_text(config_with(storage={"retention_days": 7}))
    server.start()
    import time
    deadline = time.monotonic() + 10
    while db_query(server, "SELECT COUNT(*) AS n FROM inbound_raw")[0]["n"] != 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert db_query(server, "SELECT COUNT(*) AS n FROM inbound_raw")[0]["n"] == 0
    assert db_query(server, "SELECT COUNT(*) AS n FROM inbound_message")[0]["n"] == 1
