"""mProfi inbound by polling: replyd asks the (local, HTTPS) mProfi for what it received
(GETINCOMING) every sms.mprofi_poll_interval, feeds each message through the same path as the
webhooks, answers through mProfi's send API, and keeps going through provider errors without
losing a message. Overlapping windows list a message again and again; it is stored once."""
import datetime
import re
import subprocess
import time

import pytest

from conftest import BINARY, cli_lines, config_with, queue_items
from sms_provider import MPROFI_TIME, WARSAW, SMSProvider

LIST = "+48500100200"
NUMBER = "+48600100200"
# How mProfi writes them: the sender with its country code and no plus, our number as dialled.
MPROFI_SENDER = "48600100200"
MPROFI_RECIPIENT = "500100200"
FAREWELL = "Wypisano. Odpisz START, aby wrócić."


@pytest.fixture
def provider(pki):
    provider = SMSProvider(pki["leaf"], pki["leaf_key"], kind="mprofi")
    yield provider
    provider.close()


def polling_config(pki, provider, **extra):
    sms = {"default_country_code": "48", "provider": "mprofi", "provider_url": provider.url + "/1.0",
           "provider_ca_file": str(pki["ca"]), "provider_timeout": "5s", "mprofi_api_key": "send-key",
           "mprofi_receive_api_key": "receive-key", "mprofi_poll_interval": "200ms"}
    sms.update(extra)
    return config_with(sms=sms, delivery={"first_retry": "1s", "max_retry_interval": "2s", "poll_interval": "100ms"})


@pytest.fixture
def polling_server(make_server, pki, provider):
    server = make_server(polling_config(pki, provider))
    server.run_cli("sms", "list-set", LIST, "--name", "promo", "--welcome", "Witaj w klubie!", "--farewell", FAREWELL,
                   "--help", "Pomoc: 500 100 200", "--autoreply", "Dziękujemy za wiadomość.")
    return server


def sms_log(server):
    """Every inbound SMS as `replyd sms log --json` lists it, oldest first."""
    return list(reversed(cli_lines(server, "sms", "log", "--limit", "1000000")))


def subscriptions(server, number):
    return sorted((row["list"], row["status"]) for row in cli_lines(server, "sms", "subscriber", number))


def sms_replies(server):
    return [item["data"].decode() for item in queue_items(server) if item["channel"] == "sms"]


def wait_until(check, timeout=20, what="replyd"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_stop_fetched_by_polling_opts_the_number_out_and_is_answered_through_mprofi(polling_server, provider):
    message_id = provider.receive(MPROFI_SENDER, MPROFI_RECIPIENT, "STOP")
    wait_until(lambda: subscriptions(polling_server, NUMBER) == [(LIST, "out")], what="the opt-out")
    [logged] = sms_log(polling_server)
    assert (logged["provider"], logged["provider_id"]) == ("mprofi", str(message_id))
    assert (logged["sender"], logged["recipient"], logged["text"], logged["intent"]) == (NUMBER, LIST, "STOP", "opt-out")
    # The farewell leaves through mProfi's send API, with the key that sends.
    send = provider.wait_for(lambda requests: len(requests) == 1, what="the farewell")[0]
    assert send.path == "/1.0/send/"
    assert send.json()["apikey"] == "send-key"
    assert (send.json()["recipient"], send.json()["message"]) == (MPROFI_SENDER, FAREWELL)
    # Polls carry the key that receives and a range in Polish time that ends about now.
    request, status, _ = provider.polls[-1]
    assert request.path == "/1.0/getincoming/" and status == 200
    body = request.json()
    assert body["apikey"] == "receive-key"
    assert set(body) == {"apikey", "date_from", "date_to"}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", body[key]) for key in ("date_from", "date_to"))
    since, until = (datetime.datetime.strptime(body[key], MPROFI_TIME).replace(tzinfo=WARSAW) for key in ("date_from", "date_to"))
    now = datetime.datetime.now(WARSAW)
    assert since < until <= now and now - until < datetime.timedelta(seconds=10)
    assert "received SMS fetched every 200ms" in "".join(polling_server.output)


def test_a_message_listed_again_is_stored_and_answered_once_even_across_a_restart(polling_server, provider):
    message_id = provider.receive(MPROFI_SENDER, MPROFI_RECIPIENT, "Kiedy promocja?")
    provider.wait_for_polls(lambda polls: provider.served[message_id] >= 3, what="the message to be listed three times")
    assert [(row["provider_id"], row["text"]) for row in sms_log(polling_server)] == [(str(message_id), "Kiedy promocja?")]
    assert sms_replies(polling_server) == ["Dziękujemy za wiadomość."]
    # A restart resumes from the window kept in the data directory, so mProfi lists the message
    # again: the store knows it by (provider, id).
    assert (polling_server.data_dir / "mprofi-poll-since").exists()
    assert polling_server.stop() == 0
    listed = provider.served[message_id]
    polling_server.start()
    provider.wait_for_polls(lambda polls: provider.served[message_id] >= listed + 2, what="polls after the restart")
    assert len(sms_log(polling_server)) == 1
    assert sms_replies(polling_server) == ["Dziękujemy za wiadomość."]
    assert len(provider.wait_for(lambda requests: len(requests) >= 1)) == 1
    time.sleep(0.5)
    assert len(provider.requests) == 1, "the autoreply is sent once"


def test_provider_errors_are_survived_and_the_next_poll_gets_the_message(polling_server, provider):
    # The polls that would list it first fail: a 500, then a 200 that is not JSON.
    message_id = provider.receive(MPROFI_SENDER, MPROFI_RECIPIENT, "START",
                                  fail_first=(500, (200, b"<html>maintenance</html>")))
    wait_until(lambda: subscriptions(polling_server, NUMBER) == [(LIST, "in")], what="the opt-in")
    statuses = [(status, message_id in listed) for _, status, listed in provider.polls]
    failed = statuses.index((500, False))
    assert statuses[failed:failed + 3] == [(500, False), (200, False), (200, True)]
    [logged] = sms_log(polling_server)
    assert logged["provider_id"] == str(message_id) and logged["intent"] == "opt-in"
    output = wait_until(lambda: "working again" in "".join(polling_server.output) and "".join(polling_server.output),
                        what="the recovery to be logged")
    assert "mprofi poll failed (1 in a row" in output and "status 500" in output
    assert "working again after 2 failed polls" in output
    provider.wait_for(lambda requests: len(requests) == 1, what="the welcome")
    assert provider.requests[0].json()["message"] == "Witaj w klubie!"
    assert polling_server.proc.poll() is None


def test_polling_needs_the_mprofi_provider(tmp_path):
    config = tmp_path / "replyd.toml"
    config.write_text('[sms]\nprovider = "none"\nmprofi_poll_interval = "30s"\n')
    result = subprocess.run([str(BINARY), "check-config", "--config", str(config)], capture_output=True, text=True)
    assert result.returncode != 0
    assert 'sms.mprofi_poll_interval: needs sms.provider = "mprofi"' in result.stdout + result.stderr
    config.write_text('[sms]\nprovider = "mprofi"\nmprofi_api_key = "k"\nmprofi_poll_interval = "30s"\n')
    result = subprocess.run([str(BINARY), "check-config", "--config", str(config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
