"""DKIM signing of what replyd sends (issue 14): keys made by `replyd dkim keygen`, replies relayed to a
local sink and verified there by an independent verifier, Python's dkimpy, with the TXT records keygen
printed served by a stub DNS function. Also: check-config and serve refuse keys that cannot be used.
"""
import email
import email.utils
import re
import subprocess

import dkim
import pytest

from conftest import BINARY, config_with, deliver, make_message, set_vacation
from smtp_sink import SMTPSink

MAILBOX = "jan@example.test"
SENDER = "ewa@klient.test"
# Trailing blank lines and runs of white space: what relaxed body canonicalisation has to get right.
VACATION_TEXT = "Jestem na urlopie do piątku.\n\nW pilnych sprawach:   biuro@example.test\t \n\n\n\n"


@pytest.fixture
def sink():
    sink = SMTPSink().start()
    yield sink
    sink.stop()


def keygen(workdir, domain, selector, *options):
    """Runs `replyd dkim keygen` in workdir; returns (key path, TXT record text as a verifier reads it)."""
    result = subprocess.run([str(BINARY), "dkim", "keygen", domain, "--selector", selector, *options], cwd=workdir,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    path = re.search(r"^wrote (\S+) ", result.stdout, re.M).group(1)
    record_line = next(line for line in result.stdout.splitlines() if "._domainkey." in line and " TXT " in line)
    assert record_line.startswith(f"{selector}._domainkey.{domain}. ")
    record = "".join(re.findall(r'"([^"]*)"', record_line))
    return workdir / path, record


def dkim_config(sink, keys) -> str:
    text = config_with(delivery={"mode": "relay", "relay_host": "127.0.0.1", "relay_port": sink.port, "relay_tls": "none",
                                 "poll_interval": "50ms"})
    for domain, selector, path in keys:
        text += f'\n[[dkim.keys]]\ndomain = "{domain}"\nselector = "{selector}"\nkey_file = "{path}"\n'
    return text


def verify(message: bytes, records: dict, index: int) -> bool:
    def dnsfunc(name, timeout=5):
        return records.get(name.decode() if isinstance(name, bytes) else name, "").encode()
    try:
        return dkim.DKIM(message).verify(idx=index, dnsfunc=dnsfunc)
    except (dkim.DKIMException, ValueError):  # some failures (a body hash mismatch, a key of the wrong type) raise
        return False


def signatures(message: bytes) -> list:
    """The tags of each DKIM-Signature field, top first."""
    head = message.split(b"\r\n\r\n", 1)[0].decode()
    fields = re.findall(r"^DKIM-Signature:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head, re.M | re.I)
    return [dict((tag.strip(), value.strip()) for tag, value in
                 (pair.split("=", 1) for pair in re.sub(r"\s+", "", field).split(";") if "=" in pair)) for field in fields]


def test_replies_carry_rsa_and_ed25519_signatures_that_dkimpy_verifies(make_server, sink, tmp_path):
    workdir = tmp_path / "srv0"
    workdir.mkdir()
    rsa_path, rsa_record = keygen(workdir, "example.test", "rsa2026")
    ed_path, ed_record = keygen(workdir, "example.test", "ed2026", "--algorithm", "ed25519")
    assert rsa_record.startswith("v=DKIM1; k=rsa; p=") and ed_record.startswith("v=DKIM1; k=ed25519; p=")
    assert oct(rsa_path.stat().st_mode & 0o777) == "0o600"
    records = {"rsa2026._domainkey.example.test.": rsa_record, "ed2026._domainkey.example.test.": ed_record}
    server = make_server(dkim_config(sink, [("example.test", "rsa2026", rsa_path), ("example.test", "ed2026", ed_path)]),
                         subdir="srv0")
    assert "dkim:     signing as rsa2026._domainkey.example.test, ed2026._domainkey.example.test" in "".join(server.output)
    set_vacation(server, MAILBOX, VACATION_TEXT, "--subject", "Nieobecność: Zażółć gęślą jaźń")
    deliver(server, make_message(subject="Spotkanie — zażółć gęślą jaźń", sender=f"Ewa <{SENDER}>", to=MAILBOX),
            sender=SENDER, rcpts=[MAILBOX])
    reply = sink.wait_for(lambda s: s.messages[0] if s.messages else None, what="the reply").data

    found = signatures(reply)
    assert sorted(s["a"] for s in found) == ["ed25519-sha256", "rsa-sha256"]
    for tags in found:
        assert tags["d"] == "example.test" and tags["c"] == "relaxed/relaxed"
        signed = tags["h"].lower().split(":")
        assert signed.count("from") == 2, "From is over-signed"
        assert {"to", "subject", "date", "message-id", "in-reply-to", "references", "auto-submitted", "mime-version",
                "content-type"} <= set(signed)
    assert all(verify(reply, records, index) for index in range(len(found)))

    # The verifier is not a rubber stamp: a changed subject or body fails both signatures.
    forged_subject = re.sub(rb"(?m)^Subject:[^\r\n]*(\r\n[ \t][^\r\n]*)*", b"Subject: =?UTF-8?Q?Zmieniony?=", reply, count=1)
    assert not any(verify(forged_subject, records, index) for index in range(len(found)))
    forged_body = reply.replace(b"\r\n\r\n", b"\r\n\r\nP.S. ", 1)
    assert not any(verify(forged_body, records, index) for index in range(len(found)))
    # Blank lines added at the end do not matter under relaxed body canonicalisation; a wrong key does.
    assert all(verify(reply + b"\r\n\r\n", records, index) for index in range(len(found)))
    wrong = {name: rsa_record if "ed2026" in name else ed_record for name in records}
    assert not any(verify(reply, wrong, index) for index in range(len(found)))


def test_a_subdomain_without_keys_is_signed_with_the_parent_domain_and_other_domains_are_not(make_server, sink, tmp_path):
    workdir = tmp_path / "srv0"
    workdir.mkdir()
    path, record = keygen(workdir, "example.test", "s1", "--algorithm", "ed25519")
    config = dkim_config(sink, [("example.test", "s1", path)]).replace(
        'local_domains = ["example.test"]', 'local_domains = ["example.test", "sales.example.test", "other.test"]')
    server = make_server(config, subdir="srv0")
    set_vacation(server, "ola@sales.example.test", "Urlop.\n")
    set_vacation(server, "piotr@other.test", "Urlop.\n")
    deliver(server, make_message(sender=SENDER, to="ola@sales.example.test"), sender=SENDER, rcpts=["ola@sales.example.test"])
    deliver(server, make_message(sender=SENDER, to="piotr@other.test"), sender=SENDER, rcpts=["piotr@other.test"])
    sink.wait_for(lambda s: len(s.messages) == 2, what="both replies")
    by_from = {email.utils.parseaddr(email.message_from_bytes(m.data)["From"])[1]: m.data for m in sink.messages}
    sales, other = by_from["ola@sales.example.test"], by_from["piotr@other.test"]
    assert [s["d"] for s in signatures(sales)] == ["example.test"]
    assert verify(sales, {"s1._domainkey.example.test.": record}, 0)
    assert signatures(other) == []


def test_check_config_and_serve_refuse_keys_that_cannot_be_used(tmp_path):
    weak = tmp_path / "weak.key"
    subprocess.run(["openssl", "genrsa", "-out", str(weak), "1024"], check=True, capture_output=True, timeout=60)
    garbage = tmp_path / "garbage.key"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    openssl_ed = tmp_path / "openssl-ed25519.key"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(openssl_ed)], check=True, capture_output=True, timeout=60)
    openssl_rsa = tmp_path / "openssl-rsa.key"
    subprocess.run(["openssl", "genrsa", "-out", str(openssl_rsa), "2048"], check=True, capture_output=True, timeout=60)

    def check(keys):
        config = tmp_path / "replyd.toml"
        text = config_with()
        for index, (selector, path) in enumerate(keys):
            text += f'\n[[dkim.keys]]\ndomain = "example.test"\nselector = "{selector}"\nkey_file = "{path}"\n'
        config.write_text(text)
        return subprocess.run([str(BINARY), "check-config", "--config", str(config)], capture_output=True, text=True, timeout=60)

    # Keys made by openssl (PKCS#1 RSA, PKCS#8 Ed25519) are taken as they are.
    ok = check([("a", openssl_rsa), ("b", openssl_ed)])
    assert ok.returncode == 0, ok.stderr
    for path, problem in [(tmp_path / "missing.key", "file not found"), (weak, "1024 bits"), (garbage, "not a PEM private key")]:
        result = check([("s1", path)])
        assert result.returncode != 0
        line = result.stderr.strip().splitlines()[0]
        assert re.match(rf"^{re.escape(str(tmp_path / 'replyd.toml'))}:\d+: dkim\.keys: entry 1 \(example\.test\): key_file .*{problem}", line), line
    bad_selector = tmp_path / "replyd.toml"
    bad_selector.write_text(config_with() + '\n[[dkim.keys]]\ndomain = "example.test"\nselector = "a b"\nkey_file = "x"\n')
    result = subprocess.run([str(BINARY), "check-config", "--config", str(bad_selector)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "selector is required, DNS labels" in result.stderr
    # serve stops before it listens, with the same words.
    check([("s1", garbage)])
    result = subprocess.run([str(BINARY), "serve", "--config", str(tmp_path / "replyd.toml"), "--data-dir", str(tmp_path / "data")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "not a PEM private key" in result.stderr, result.stderr


def test_keygen_never_overwrites_a_key_and_checks_its_names(tmp_path):
    path, _ = keygen(tmp_path, "example.test", "s1")
    before = path.read_bytes()

    def run(*args):
        return subprocess.run([str(BINARY), "dkim", "keygen", *args], cwd=tmp_path, capture_output=True, text=True, timeout=60)

    again = run("example.test", "--selector", "s1")
    assert again.returncode == 1 and "exists" in again.stderr and path.read_bytes() == before
    for args, problem in [(["example.test", "--selector", "bad selector"], "--selector must be DNS labels"),
                          (["not_a_domain", "--selector", "s2"], "is not a domain name"),
                          (["example.test", "--selector", "s3", "--bits", "1024"], "2048, 3072 or 4096"),
                          (["example.test", "--selector", "s4", "--algorithm", "dsa"], "rsa or ed25519")]:
        result = run(*args)
        assert result.returncode != 0 and problem in result.stderr, (args, result.stderr)
    assert sorted(p.name for p in (tmp_path / "dkim").iterdir()) == ["example.test.s1.key"]
