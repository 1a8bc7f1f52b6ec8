"""`replyd check-config` and `serve` on good and bad files: every problem as file:line: key: message."""
import subprocess
from pathlib import Path

import pytest

from conftest import BINARY, ROOT

FULL_CONFIG = """\
# every key, spelled out
[server]
hostname = "mx.example.test"
shutdown_grace = "500ms"

[smtp]
listen = "127.0.0.1:2525"
max_message_size = "10M"
max_line_length = 1000
max_recipients = 100
max_connections = 200
max_errors = 20
command_timeout = "5m"
data_timeout = 180
require_tls = false

[tls]
enabled = true
certificate = ""
private_key = ""
dev_cert_dir = "certs"

[http]
listen = "127.0.0.1:8080"

[storage]
backend = "sqlite"
database = "replyd.sqlite"
postgres_pool_size = 10
postgres_connect_timeout = "10s"

[mail]
local_domains = ["example.test", "example.org"]
catch_all = false
mailboxes = ["alice@example.test", "bob@example.org"]
recipient_delimiter = "+"
"""


def replyd(*args, cwd, timeout=60):
    return subprocess.run([str(BINARY), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def write_config(tmp_path, text, name="replyd.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(text, needle) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in config")


def check(tmp_path, text):
    path = write_config(tmp_path, text)
    return path, replyd("check-config", "--config", str(path), cwd=tmp_path)


def assert_problem(result, path, line, key, *words):
    """stderr has a line `path:line: key: message` whose message contains every word."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    prefix = f"{path}:{line}: {key}: "
    matching = [entry for entry in result.stderr.splitlines() if entry.startswith(prefix)]
    assert matching, f"no line starting with {prefix!r} in stderr:\n{result.stderr}"
    for word in words:
        assert word.lower() in matching[0].lower(), matching[0]
    assert "OK" not in result.stdout


def test_check_config_accepts_every_documented_key(tmp_path):
    path, result = check(tmp_path, FULL_CONFIG)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{path}: OK"
    assert result.stderr == ""


def test_check_config_accepts_an_empty_file(tmp_path):
    path, result = check(tmp_path, "# nothing set: all defaults\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{path}: OK"


def test_repository_config_passes(tmp_path):
    repo_config = ROOT / "conf" / "replyd.toml"
    if not repo_config.exists():
        pytest.skip("conf/replyd.toml is not in the repository yet")
    result = replyd("check-config", "--config", str(repo_config), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{repo_config}: OK"


def test_wrong_type(tmp_path):
    text = FULL_CONFIG.replace("max_recipients = 100", 'max_recipients = "ten"')
    path, result = check(tmp_path, text)
    assert_problem(result, path, line_of(text, "max_recipients"), "smtp.max_recipients", "integer")


def test_unknown_key(tmp_path):
    text = FULL_CONFIG.replace("require_tls = false", "require_tls = false\nrequire_tsl = true")
    path, result = check(tmp_path, text)
    assert_problem(result, path, line_of(text, "require_tsl"), "smtp.require_tsl", "unknown")


def test_unknown_section(tmp_path):
    text = FULL_CONFIG + "\n[smpt]\nlisten = \"127.0.0.1:25\"\n"
    path, result = check(tmp_path, text)
    assert_problem(result, path, line_of(text, "[smpt]"), "smpt", "unknown")


def test_syntax_error(tmp_path):
    text = FULL_CONFIG.replace('hostname = "mx.example.test"', 'hostname = "mx.example.test')
    path, result = check(tmp_path, text)
    assert_problem(result, path, line_of(text, "hostname ="), "server.hostname")


def test_syntax_error_missing_value(tmp_path):
    text = FULL_CONFIG.replace("max_errors = 20", "max_errors =")
    path, result = check(tmp_path, text)
    assert_problem(result, path, line_of(text, "max_errors"), "smtp.max_errors")


def test_every_problem_is_reported(tmp_path):
    text = (FULL_CONFIG
            .replace("max_recipients = 100", 'max_recipients = "ten"')
            .replace("max_line_length = 1000", "max_line_length = 511")
            .replace('command_timeout = "5m"', 'command_timeout = "5 fortnights"')
            .replace('max_message_size = "10M"', 'max_message_size = "10X"')
            .replace('listen = "127.0.0.1:8080"', 'listen = "nowhere"')
            .replace("catch_all = false", "catch_all = false\ncolour = \"blue\""))
    path, result = check(tmp_path, text)
    for key, needle in [("smtp.max_recipients", "max_recipients"), ("smtp.max_line_length", "max_line_length"),
                        ("smtp.command_timeout", "command_timeout"), ("smtp.max_message_size", "max_message_size"),
                        ("http.listen", '"nowhere"'), ("mail.colour", "colour")]:
        assert_problem(result, path, line_of(text, needle), key)
    assert len([entry for entry in result.stderr.splitlines() if entry.startswith(f"{path}:")]) == 6, result.stderr


def test_values_out_of_range(tmp_path):
    for key, old, new in [("smtp.max_line_length", "max_line_length = 1000", "max_line_length = 511"),
                          ("smtp.max_recipients", "max_recipients = 100", "max_recipients = 0"),
                          ("smtp.data_timeout", "data_timeout = 180", 'data_timeout = "-3s"'),
                          ("mail.local_domains", 'local_domains = ["example.test", "example.org"]',
                           "local_domains = []")]:
        text = FULL_CONFIG.replace(old, new)
        path, result = check(tmp_path, text)
        assert_problem(result, path, line_of(text, new), key)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    result = replyd("check-config", "--config", str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"{path}: cannot read configuration file: no such file"


def test_serve_refuses_a_bad_config_before_listening(tmp_path):
    text = FULL_CONFIG.replace("max_recipients = 100", 'max_recipients = "ten"')
    path = write_config(tmp_path, text)
    expected = replyd("check-config", "--config", str(path), cwd=tmp_path).stderr.strip()
    assert expected
    result = replyd("serve", "--config", str(path), "--data-dir", str(tmp_path / "data"),
                    "--smtp-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", cwd=tmp_path, timeout=30)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "listening" not in result.stdout + result.stderr
    assert expected in result.stderr
    assert f"{path}:{line_of(text, 'max_recipients')}: smtp.max_recipients: " in result.stderr


def test_serve_refuses_a_missing_config(tmp_path):
    path = tmp_path / "missing.toml"
    result = replyd("serve", "--config", str(path), "--data-dir", str(tmp_path / "data"),
                    "--smtp-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    assert "listening" not in result.stdout + result.stderr
    assert f"{path}: cannot read configuration file: no such file" in result.stderr
