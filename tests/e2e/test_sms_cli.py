"""`replyd sms preview`: what an operator checks before saving an SMS text."""
import subprocess

from conftest import BINARY


def preview(text):
    result = subprocess.run([str(BINARY), "sms", "preview", text], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_polish_text_is_ucs2_and_transliterates_to_gsm7():
    lines = preview("Zażółć gęślą jaźń")
    assert lines[0] == "UCS-2, 17 UTF-16 units, 1 part (70 per part)"
    assert lines[1] == "UCS-2 because of: ż ó ł ć ę ś ą ź ń"
    assert lines[2] == "transliterated: Zazolc gesla jazn"
    assert lines[3].strip() == "-> GSM-7, 17 septets, 1 part (160 per part)"


def test_gsm7_edges_and_extension_characters():
    assert preview("a" * 160) == ["GSM-7, 160 septets, 1 part (160 per part)"]
    assert preview("a" * 161) == ["GSM-7, 161 septets, 2 parts (153 per part)"]
    # The euro sign is an extension character: two septets.
    assert preview("€" * 81) == ["GSM-7, 162 septets, 2 parts (153 per part)"]


def test_ucs2_part_edges():
    assert preview("ą" * 70)[0] == "UCS-2, 70 UTF-16 units, 1 part (70 per part)"
    assert preview("ą" * 71)[0] == "UCS-2, 71 UTF-16 units, 2 parts (67 per part)"
