"""`replyd contacts add|import`: CSV with a header row, bad rows reported as FILE:LINE and skipped, good
rows imported, and the contacts then used by a contacts-only vacation."""
import re

from conftest import cli_lines, decisions, deliver, make_message, set_vacation


def contacts(server, owner):
    """address -> name (None when it has none), as `replyd contacts list OWNER --json` shows them."""
    rows = cli_lines(server, "contacts", "list", owner)
    result = {row["address"]: row.get("name") for row in rows}
    assert len(result) == len(rows), rows  # every address once
    return result


def action(server, sender):
    (row,) = decisions(server, deliver(server, make_message(), sender=sender))
    return row["replied"], row.get("reason")


def test_import_reports_bad_rows_with_line_numbers_and_imports_the_good_ones(server):
    set_vacation(server, "alice@example.test", "Urlop.\n", "--contacts-only")
    csv = server.workdir / "kontakty.csv"
    csv.write_text(
        "name,email\n"                          # 1
        "Jan Kowalski,jan@client.test\n"        # 2
        "Zły wiersz,not-an-address\n"           # 3
        "\"Nowak, Ewa\",ewa@client.test\n"      # 4
        "Bez adresu,\n"                         # 5
        "Łucja Żak,lucja@client.test\n",        # 6
        encoding="utf-8")
    result = server.run_cli("contacts", "import", "alice@example.test", str(csv), check=False)
    assert result.returncode == 1, result
    assert "imported 3 contacts for alice@example.test; 2 rows skipped" in result.stdout, result.stdout
    reported = re.findall(rf"^{re.escape(str(csv))}:(\d+): \S", result.stderr, re.M)
    assert reported == ["3", "5"], result.stderr
    assert contacts(server, "alice@example.test") == {
        "jan@client.test": "Jan Kowalski", "ewa@client.test": "Nowak, Ewa", "lucja@client.test": "Łucja Żak"}
    for sender in ("jan@client.test", "ewa@client.test", "lucja@client.test"):
        assert action(server, sender) == (True, None), sender
    assert action(server, "stranger@client.test") == (False, "not-a-contact")


def test_import_for_everyone_with_address_column_crlf_and_phone_numbers(server):
    set_vacation(server, "bob@example.test", "Urlop.\n", "--contacts-only")
    csv = server.workdir / "org.csv"
    csv.write_bytes("address,name\r\nprezes@client.test,Prezes Zarządu\r\n+48600100200,Recepcja\r\n".encode())
    result = server.run_cli("contacts", "import", "*", str(csv))
    assert "imported 2 contacts for *; 0 rows skipped" in result.stdout, result.stdout
    assert result.stderr.strip() == ""
    assert set(contacts(server, "*")) == {"prezes@client.test", "+48600100200"}
    (row,) = decisions(server, deliver(server, make_message(to="bob@example.test"), sender="prezes@client.test",
                                       rcpts=["bob@example.test"]))
    assert (row["replied"], row.get("reason")) == (True, None)

    phones = server.workdir / "phones.csv"
    phones.write_text("phone\n+48500600700\nnot a phone\n", encoding="utf-8")
    result = server.run_cli("contacts", "import", "bob@example.test", str(phones), check=False)
    assert result.returncode == 1
    assert "imported 1 contacts for bob@example.test; 1 rows skipped" in result.stdout, result.stdout
    assert f"{phones}:3:" in result.stderr, result.stderr


def test_import_of_an_excel_csv_with_a_byte_order_mark(server):
    csv = server.workdir / "excel.csv"
    csv.write_bytes("\ufeffemail,name\r\njan@client.test,Jan\r\n".encode("utf-8"))
    result = server.run_cli("contacts", "import", "alice@example.test", str(csv), check=False)
    assert result.returncode == 0, result
    assert contacts(server, "alice@example.test") == {"jan@client.test": "Jan"}


def test_import_without_an_address_column_imports_nothing(server):
    csv = server.workdir / "bez-adresow.csv"
    csv.write_text("name,city\nJan,Kraków\n", encoding="utf-8")
    result = server.run_cli("contacts", "import", "alice@example.test", str(csv), check=False)
    assert result.returncode == 1, result
    assert result.stderr.strip()
    assert contacts(server, "alice@example.test") == {}


def test_bad_arguments(server):
    missing = server.run_cli("contacts", "import", "alice@example.test", str(server.workdir / "nope.csv"),
                             check=False)
    assert missing.returncode == 1 and missing.stderr.strip(), missing
    bad = server.run_cli("contacts", "add", "alice@example.test", "not an address", check=False)
    assert bad.returncode == 1 and bad.stderr.strip(), bad
    assert contacts(server, "alice@example.test") == {}
    added = server.run_cli("contacts", "add", "alice@example.test", "Jan@Client.Test", "--name", "Jan")
    assert added.returncode == 0
    assert set(contacts(server, "alice@example.test")) in ({"jan@client.test"}, {"Jan@client.test"})
