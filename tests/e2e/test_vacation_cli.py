"""`replyd vacation set|clear|list` beside a running server: what is accepted, what is refused (exit 1,
message on stderr, nothing saved) and what a refused change leaves in force."""
import signal
import uuid

import pytest

from conftest import (DEFAULT_CONFIG, Server, config_with, decisions, deliver, make_message, only_reply,
                      outbound_rows, reply_body, set_vacation)


def vacation_list(server) -> str:
    return server.run_cli("vacation", "list").stdout


def test_set_list_clear(server):
    out = set_vacation(server, "alice@example.test", "Urlop.\n", start=None).stdout  # start defaults to now
    assert out.startswith("vacation reply set for alice@example.test: "), out
    set_vacation(server, "bob@example.test", "Urlop.\n", "--end", "2099-01-01")
    lines = vacation_list(server).splitlines()
    assert len(lines) == 2, lines
    assert sorted(line.split()[0] for line in lines) == ["alice@example.test", "bob@example.test"]

    replied = deliver(server, make_message(), sender="jan@client.test")
    assert [row["replied"] for row in decisions(server, replied)] == [True]

    server.run_cli("vacation", "clear", "alice@example.test")
    assert [line.split()[0] for line in vacation_list(server).splitlines()] == ["bob@example.test"]
    after = deliver(server, make_message(), sender="ewa@client.test")
    assert [(row["replied"], row.get("reason")) for row in decisions(server, after)] == [(False, "no-vacation")]
    assert outbound_rows(server, after) == []

    again = server.run_cli("vacation", "clear", "alice@example.test", check=False)
    assert again.returncode == 1 and again.stderr.strip(), again
    server.run_cli("vacation", "clear", "bob@example.test")
    assert vacation_list(server).strip() == "no vacation replies"


def test_domain_of_the_mailbox_is_case_insensitive(server):
    set_vacation(server, "alice@Example.TEST", "Urlop.\n")
    message_id = deliver(server, make_message(), sender="jan@client.test", rcpts=["alice@example.test"])
    assert [row["replied"] for row in decisions(server, message_id)] == [True]


@pytest.fixture(scope="module")
def cli_server(tmp_path_factory):
    """One server for the table of refused settings; every case uses its own mailbox."""
    server = Server(tmp_path_factory.mktemp("vacation-cli"), DEFAULT_CONFIG)
    yield server
    server.stop(signal.SIGKILL)


BROKEN = "Dzień dobry {{#unclosed}} tekst\n"

# id: (address override or None, extra options, text, internal text, stderr fragment, exact exit code or None)
REFUSED = {
    "other-domain": ("alice@other.test", [], None, None, "other.test", 1),
    "bad-start": (None, ["--start", "2026-13-01"], None, None, "2026-13-01", 1),
    "bad-end": (None, ["--end", "tomorrow"], None, None, "tomorrow", 1),
    "end-equals-start": (None, ["--start", "2030-01-01T10:00", "--end", "2030-01-01T10:00"], None, None, "end", 1),
    "end-before-start": (None, ["--start", "2030-01-02", "--end", "2030-01-01"], None, None, "end", 1),
    # 10:00Z is 11:00 in Warsaw: an end at 10:30 Warsaw time is before it, whatever the strings say.
    "end-before-start-across-zones": (None, ["--start", "2030-01-01T10:00:00Z", "--end", "2030-01-01T10:30",
                                             "--timezone", "Europe/Warsaw"], None, None, "end", 1),
    "days-zero": (None, ["--days", "0"], None, None, "days", 1),
    "days-over-site-max": (None, ["--days", "31"], None, None, "days", 1),
    # A second --message-file: the last one given wins.
    "missing-file": (None, ["--message-file", "/nonexistent/urlop.txt"], None, None, "/nonexistent/urlop.txt", 1),
    "broken-body": (None, [], BROKEN, None, "not saved", 1),
    "broken-subject": (None, ["--subject", "Auto: {{#x}}"], None, None, "not saved", 1),
    "broken-internal": (None, [], None, BROKEN, "not saved", 1),
    "unknown-time-zone": (None, ["--timezone", "Mars/Olympus_Mons"], None, None, "Mars/Olympus_Mons", None),
    "unknown-locale": (None, ["--locale", "xx"], None, None, "locale", None),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_settings_are_not_saved(cli_server, case):
    address, options, text, internal, fragment, code = REFUSED[case]
    address = address or f"{case.replace('-', '')}{uuid.uuid4().hex[:6]}@example.test"
    result = set_vacation(cli_server, address, text or "Urlop.\n", *options, internal=internal, check=False)
    if code is None:
        assert result.returncode != 0, result
    else:
        assert result.returncode == code, result
    assert fragment in result.stderr, result.stderr
    assert "vacation reply set" not in result.stdout
    assert address.lower() not in vacation_list(cli_server).lower()


def test_site_maximum_of_days_comes_from_the_config(make_server):
    server = make_server(config_with(replies={"max_days": 10}))
    refused = set_vacation(server, "alice@example.test", "Urlop.\n", "--days", "11", check=False)
    assert refused.returncode == 1 and "days" in refused.stderr, refused
    assert vacation_list(server).strip() == "no vacation replies"
    set_vacation(server, "alice@example.test", "Urlop.\n", "--days", "10")
    set_vacation(server, "bob@example.test", "Urlop.\n", "--days", "1")


def test_refused_change_leaves_the_previous_setting_in_force(server):
    set_vacation(server, "alice@example.test", "Stary tekst.\n")
    before = vacation_list(server)
    broken = set_vacation(server, "alice@example.test", BROKEN, check=False)
    assert broken.returncode == 1 and "not saved" in broken.stderr, broken
    bad_days = set_vacation(server, "alice@example.test", "Nowy tekst.\n", "--days", "0", check=False)
    assert bad_days.returncode == 1, bad_days
    ended = set_vacation(server, "alice@example.test", "Nowy tekst.\n", "--end", "2019-01-01", check=False)
    assert ended.returncode == 1, ended  # the end is before the start (2020-01-01)
    assert vacation_list(server) == before
    message_id = deliver(server, make_message(), sender="jan@client.test")
    assert reply_body(only_reply(server, message_id)[1]) == "Stary tekst.\n"


@pytest.mark.parametrize("start", ["2099-12-20", "2099-12-20T09:00", "2099-12-20T09:00:00+01:00",
                                   "2099-12-20T08:00:00Z"])
def test_date_formats_for_a_future_start(server, start):
    set_vacation(server, "alice@example.test", "Urlop.\n", start=start)
    out = server.run_cli("simulate", "--from", "jan@client.test", "--to", "alice@example.test", check=False).stdout
    assert "NOT ANSWERED: outside-schedule" in out, out
    message_id = deliver(server, make_message(), sender="jan@client.test")
    assert [row["reason"] for row in decisions(server, message_id)] == ["outside-schedule"]


@pytest.mark.parametrize("end", ["2021-12-20", "2021-12-20T09:00", "2021-12-20T09:00:00+01:00"])
def test_date_formats_for_a_past_end(server, end):
    set_vacation(server, "alice@example.test", "Urlop.\n", "--end", end)
    message_id = deliver(server, make_message(), sender="jan@client.test")
    assert [row["reason"] for row in decisions(server, message_id)] == ["outside-schedule"]


def test_start_now_and_open_end_answer_at_once(server):
    set_vacation(server, "alice@example.test", "Urlop.\n", start="now")
    message_id = deliver(server, make_message(), sender="jan@client.test")
    assert [row["replied"] for row in decisions(server, message_id)] == [True]
