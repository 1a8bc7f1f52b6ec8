"""SMTP session fuzzing for scripts/bench/soak: a grammar of valid client dialogue, mutations of it,
and a model of which replies replyd owes for the bytes a client has sent.

Pure: no sockets, no clock. Every session is a function of (seed, index), so any session the soak
reports can be rebuilt byte for byte (`soak --seed S --replay INDEX`).

The model mirrors replyd's framing (Sources/ReplydSMTP/SMTPConnectionHandler.swift) and phases
(Sources/ReplydCore/SMTPSession.swift): lines end at LF; in command mode every line is answered
exactly once; a line of `max_line_length` octets or more is answered once with 500, even before its
LF arrives; after a 354 nothing is answered until CRLF "." CRLF following a line that itself ended in
CRLF. That is enough to know, for any bytes at all, how many replies are due, which is what lets the
soak call silence a hang without knowing what the mutated commands mean.
"""

from __future__ import annotations

import base64
import math
import random
import re
from collections import deque
from dataclasses import dataclass, field

LOCAL_DOMAIN = "example.test"
# Mailboxes the soak gives a vacation, so the reply engine decides (and composes) for most messages.
VACATION_MAILBOXES = ("jan", "anna", "ola", "piotr")
TOKEN_DOMAIN = "fuzz.test"

# Codes replyd may legitimately send at all; anything else is unexpected even in a mutated session.
KNOWN_CODES = frozenset({214, 220, 221, 250, 252, 354, 421, 451, 452, 454, 500, 501, 502, 503, 530,
                         550, 552, 553, 555})
MAX_REPLY_LINE = 512  # RFC 5321 4.5.3.1.5, CRLF included


# ---------------------------------------------------------------------------------------------------
# What a session sends
# ---------------------------------------------------------------------------------------------------

@dataclass
class Step:
    """One client write (possibly several pipelined commands), and what the client does around it."""
    data: bytes
    wait: bool = True            # read every reply owed before going on (false: pipelined onwards)
    starttls: bool = False       # a 220 to this step starts the TLS handshake
    pause: float = 0.0           # silence before the write
    cuts: tuple[int, ...] = ()   # offsets where the write is split into separate writes
    gap: float = 0.0             # silence between those writes
    trickle: bool = False        # the cuts are a deliberate slow drip the server may cut off
    mutable: bool = True         # steps up to STARTTLS stay intact: input pipelined there is discarded


@dataclass
class Plan:
    index: int
    steps: list[Step]
    # Reply codes owed to the command lines, in order, while the session is unmutated (None after a
    # mutation changed its lines). End-of-data replies come from the model instead.
    expected: list[int] | None
    ending: str                  # "quit" (the last step), "close", "reset", "await-timeout"
    slow: str | None = None      # why the server may cut the session off with 421 4.4.2
    tags: list[str] = field(default_factory=list)
    tls: bool = False

    @property
    def strict(self) -> bool:
        return self.expected is not None


@dataclass
class Rates:
    """Per-session probabilities. The rare kinds cost seconds each (they wait for server deadlines)
    or much server CPU (the encoded-word bomb), so they stay rare in a long soak; --quick raises them
    so that a few thousand sessions still contain some of each."""
    tls: float = 0.02
    helo: float = 0.12
    pipelining: float = 0.6
    reshape: float = 0.15          # split writes and short pauses only: still checked strictly
    mutate: float = 0.30           # byte flips, truncation, duplicated/swapped/dropped lines, junk
    early_close: float = 0.10
    reset: float = 0.04
    trickle_command: float = 0.0003
    trickle_data: float = 0.0003
    idle_timeout: float = 0.0003   # go silent and wait for the server's 421
    # A header of many unterminated =?a?q?x encoded words (per message). Kept rare: on a build whose
    # decoder is quadratic one of these stalls every commit for seconds.
    bomb: float = 0.0002
    large: float = 0.004           # 100 KB - 1 MB message
    too_big: float = 0.0005        # just over max_message_size: 552 after the data
    unfinished_big: float = 0.001  # most of a big message, then a pause and a disconnect
    long_line: float = 0.01        # a data line over max_line_length: 500 after the data

    @classmethod
    def quick(cls) -> "Rates":
        return cls(trickle_command=0.002, trickle_data=0.002, idle_timeout=0.002, bomb=0.0008,
                   large=0.01, too_big=0.002, unfinished_big=0.003)


@dataclass
class Limits:
    """What the server was configured with: the grammar stays inside them (or crosses on purpose)."""
    max_message_size: int
    max_line_length: int
    command_timeout: float
    data_timeout: float
    min_data_rate: int            # 0: the binary has no such setting (or it is off)
    bomb_max_words: int = 10_000


def message_token(seed: int, index: int, txn: int) -> str:
    return f"<soak.{seed}.{index}.{txn}@{TOKEN_DOMAIN}>"


# ---------------------------------------------------------------------------------------------------
# Text the messages are made of
# ---------------------------------------------------------------------------------------------------

POLISH = (
    "Zażółć gęślą jaźń.", "Pchnąć w tę łódź jeża lub ośm skrzyń fig.", "Dzień dobry, w załączeniu faktura.",
    "Mężny bądź, chroń pułk twój i sześć flag.", "Proszę o pilny kontakt w sprawie zamówienia nr 1234.",
    "Pozdrawiam serdecznie, Łukasz Żółkiewski", "Spotkanie przeniesione na środę, godz. 14:00.",
)
ASCII = (
    "Hello, this is a test message from the soak.", "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "Please find the invoice attached.", "Regards, Ann", "-- ", "> quoted text from an earlier message",
    "From the desk of the managing director", "Meeting moved to Wednesday 2pm.",
)
SUBJECTS = ("Urlop", "Faktura 2026/11", "Re: spotkanie", "Hello", "Zamówienie 1234", "Fwd: Re: Re: plan",
            "Wyniki — listopad", "URGENT", "")
FIRST_NAMES = ("Ann", "Jan Kowalski", "Łucja Żak", "Ola", "O'Brien, Pat", "Zbigniew Ćwik")
LOCAL_WORDS = ("ann", "bob", "info", "sales", "k.nowak", "x_y", "faktury", "a1", "user.name", "z-z")


def _b64_word(text: str, charset: str = "UTF-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset.lower())).decode()}?="


def _q_word(text: str, charset: str = "ISO-8859-2") -> str:
    encoded = "".join(
        "_" if byte == 0x20 else chr(byte) if (0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A)
        else f"={byte:02X}"
        for byte in text.encode(charset.lower()))
    return f"=?{charset}?Q?{encoded}?="


def _subject(rng: random.Random) -> str:
    base = rng.choice(SUBJECTS)
    polish = rng.choice(POLISH)
    return rng.choice((
        lambda: base,
        lambda: polish,                                           # raw UTF-8 in a header
        lambda: _b64_word(polish),
        lambda: _q_word("Zażółć gęślą"),
        lambda: f"{_b64_word('Urlop ')} {_q_word('łąka', 'UTF-8')} i {base}",
        lambda: f"{_b64_word('Za')} \t {_b64_word('żółć')}",       # white space between words drops
        lambda: "=?UTF-8*pl?Q?Urlop_=C5=82?= =?x-unknown?Q?abc?= =?UTF-8?B?!!!?=",  # RFC 2231, bad ones
        lambda: "=?a?q?x " * rng.randint(1, 20) + base,           # a few unterminated words
        lambda: " ".join(rng.choice(ASCII) for _ in range(rng.randint(5, 40))),  # folded below
    ))()


def _fold(name: str, value: str, width: int = 76) -> list[str]:
    """A header field as lines, folded at spaces so no line is longer than the width (RFC 5322 2.2.3)."""
    words = value.split(" ")
    lines, current = [], f"{name}:"
    for word in words:
        if len(current) + 1 + len(word) > width and current.strip() != f"{name}:":
            lines.append(current)
            current = " "
        current += (" " if not current.endswith(" ") else "") + word
    lines.append(current)
    return lines


def _bomb_lines(rng: random.Random, max_words: int) -> list[bytes]:
    """Subject: =?a?q?x=?a?q?x... folded; each unterminated word once made the decoder search the rest."""
    words = int(round(10 ** rng.uniform(2.3, max(2.31, math.log10(max_words)))))
    per_line = 120
    out = []
    for start in range(0, words, per_line):
        chunk = b"=?a?q?x" * min(per_line, words - start)
        out.append((b"Subject: " if start == 0 else b" ") + chunk)
    return out


# ---------------------------------------------------------------------------------------------------
# The grammar
# ---------------------------------------------------------------------------------------------------

class _Builder:
    """Collects command lines into writes, with the reply code an RFC 5321 server owes each."""

    def __init__(self):
        self.steps: list[Step] = []
        self.expected: list[int] = []
        self._pending: list[bytes] = []
        self.errors = 0

    def command(self, line: str | bytes, code: int) -> None:
        self._pending.append((line.encode() if isinstance(line, str) else line) + b"\r\n")
        self.expected.append(code)
        self.errors += code >= 500  # replyd counts every refused command towards max_errors

    @property
    def may_err(self) -> bool:
        """Whether a valid session may still have a command refused: past max_errors (20) the server
        rightly ends it with 421, which would make the rest of the dialogue mean something else."""
        return self.errors < 10

    def flush(self, **kwargs) -> None:
        if self._pending:
            self.steps.append(Step(b"".join(self._pending), **kwargs))
            self._pending = []

    def raw(self, data: bytes, **kwargs) -> None:
        self.flush()
        self.steps.append(Step(data, **kwargs))

    def pipeline_onto_last(self, line: str, code: int) -> None:
        """Appends a command to the previous write (e.g. QUIT right behind a message's final dot)."""
        self.flush()
        self.steps[-1].data += line.encode() + b"\r\n"
        self.expected.append(code)


# Commands that move no mail, with their replies (replyd counts them against max_junk_commands,
# 100 by default; a session here sends a handful at most).
JUNK_COMMANDS = (("NOOP", 250), ("NOOP ignored argument", 250), ("RSET", 250), ("VRFY jan", 252), ("HELP", 214))


class SessionGrammar:
    def __init__(self, seed: int, limits: Limits, rates: Rates):
        self.seed = seed
        self.limits = limits
        self.rates = rates

    def plan(self, index: int) -> Plan:
        rng = random.Random(f"{self.seed}/{index}")
        plan = self._valid_plan(rng, index)
        roll = rng.random()
        if roll < self.rates.mutate:
            mutate(plan, rng, self.limits)
        elif roll < self.rates.mutate + self.rates.reshape:
            reshape(plan, rng)
        self._choose_slow_kind(plan, rng)
        return plan

    # -- the valid dialogue --

    def _valid_plan(self, rng: random.Random, index: int) -> Plan:
        r = self.rates
        b = _Builder()
        tags: list[str] = []
        esmtp = rng.random() >= r.helo
        name = rng.choice(("client.test", "mail.client.test", "[127.0.0.1]", "[IPv6:::1]", "x" * rng.randint(1, 200)))
        b.command(("EHLO " if esmtp else rng.choice(("HELO ", "helo "))) + name, 250)
        tls = esmtp and rng.random() < r.tls
        # RFC 2920: EHLO, NOOP and the like end a pipelined group, so they go alone.
        b.flush(mutable=not tls)
        if tls:
            b.command("STARTTLS", 220)
            b.flush(starttls=True, mutable=False)
            b.command("EHLO " + name, 250)
            b.flush()
            tags.append("tls")
        pipelined = esmtp and rng.random() < r.pipelining
        if pipelined:
            tags.append("pipelined")
        transactions = 1 + min(int(rng.expovariate(1.2)), 12)
        unfinished = False
        for txn in range(transactions):
            if rng.random() < 0.12:
                b.command(*rng.choice(JUNK_COMMANDS))
                b.flush()
            if rng.random() < 0.03 and esmtp and b.may_err:
                # Declared too big: refused at MAIL, the client gives up on this one.
                b.command(f"MAIL FROM:<big@client.test> SIZE={self.limits.max_message_size + rng.randint(1, 10**6)}", 552)
                b.command("RSET", 250)
                _tag(tags, "size-refused")
            unfinished = self._transaction(b, rng, index, txn, esmtp, pipelined, tags)
            if unfinished:
                break
        if unfinished:
            ending = "close"
        else:
            roll = rng.random()
            if roll < r.early_close:
                b.flush()
                ending = "close"
            elif roll < r.early_close + r.reset:
                b.flush()
                ending = "reset"
            else:
                ending = "quit"
                if rng.random() < 0.5:
                    b.command("QUIT", 221)
                    b.flush()
                else:
                    b.pipeline_onto_last("QUIT", 221)
        b.flush()
        return Plan(index=index, steps=b.steps, expected=b.expected, ending=ending, tags=tags, tls=tls)

    def _transaction(self, b: _Builder, rng: random.Random, index: int, txn: int, esmtp: bool,
                     pipelined: bool, tags: list[str]) -> bool:
        """MAIL, RCPTs, DATA and the message. Returns True when the session ends inside it."""
        r = self.rates
        smtputf8 = esmtp and rng.random() < 0.1
        body8bit = esmtp and rng.random() < 0.5
        sender = _sender(rng, smtputf8)
        recipients = _recipients(rng, smtputf8, foreign=b.may_err)
        accepted = [address for address, code in recipients if code == 250]
        kind = "normal"
        roll = rng.random()
        for name, p in (("bomb", r.bomb), ("too-big", r.too_big), ("unfinished-big", r.unfinished_big),
                        ("large", r.large), ("long-line", r.long_line)):
            if roll < p:
                kind = name
                break
            roll -= p
        if kind != "normal":
            _tag(tags, kind)
        message = self._message(rng, message_token(self.seed, index, txn), accepted or ["jan@example.test"], kind)
        params = []
        if esmtp:
            if rng.random() < 0.3 and kind not in ("too-big", "unfinished-big"):
                params.append(f"SIZE={len(message) + rng.randint(-50, 50) if rng.random() < 0.5 else len(message)}")
            if body8bit:
                params.append(rng.choice(("BODY=8BITMIME", "body=8bitmime")))
            elif rng.random() < 0.1:
                params.append("BODY=7BIT")
            if smtputf8:
                params.append("SMTPUTF8")
        rng.shuffle(params)
        mail = rng.choice(("MAIL FROM:", "mail from:", "MAIL FROM: ")) + f"<{sender}>" + "".join(" " + p for p in params)
        b.command(mail, 250)
        if not pipelined:
            b.flush()
        for address, code in recipients:
            b.command(rng.choice(("RCPT TO:", "rcpt to:", "RCPT TO: ")) + ("<Postmaster>" if address == "Postmaster" else f"<{address}>"), code)
            if not pipelined:
                b.flush()
        if rng.random() < 0.04:
            b.command("RSET", 250)  # abandoned before DATA
            b.flush()
            return False
        if not accepted:
            b.command("DATA", 503)
            b.command("RSET", 250)  # the transaction is still open: a client clears it
            b.flush()
            return False
        b.command("DATA", 354)
        b.flush()
        if kind == "unfinished-big":
            # Most of a large message, then silence and a disconnect: a server that holds unfinished
            # transfers in memory shows it in the peak RSS.
            b.raw(message[: int(len(message) * rng.uniform(0.5, 0.95))], wait=False)
            b.steps.append(Step(b"", wait=False, pause=rng.uniform(0.5, 3.0)))
            return True
        b.raw(message + b".\r\n")
        return False

    def _message(self, rng: random.Random, token: str, recipients: list[str], kind: str) -> bytes:
        """The message as it goes on the wire (dot-stuffed), without the final ".\\r\\n"."""
        limits = self.limits
        headers = _headers(rng, token, recipients)
        if kind == "bomb":
            headers[1:1] = _bomb_lines(rng, limits.bomb_max_words)
        head = b"".join(line + b"\r\n" for line in headers) + b"\r\n"
        if kind in ("large", "unfinished-big", "too-big"):
            target = {"large": rng.randint(100_000, 1_000_000),
                      "unfinished-big": rng.randint(min(200_000, limits.max_message_size // 2), max(200_001, limits.max_message_size - 10_000)),
                      "too-big": limits.max_message_size + rng.randint(1, 50_000)}[kind]
            return head + _bulk_body(rng, target - len(head))
        lines = [_body_line(rng) for _ in range(1 + min(int(rng.expovariate(1 / 15)), 400))]
        if kind == "long-line":
            lines.insert(rng.randrange(len(lines) + 1), b"L" * rng.randint(limits.max_line_length + 1, 3 * limits.max_line_length) + b"\r\n")
        body = b"".join(lines)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"  # so that the ".\r\n" that follows is the end
        return head + body

    def _choose_slow_kind(self, plan: Plan, rng: random.Random) -> None:
        """Rarely, a session that waits on the server's deadlines (decided last, so it combines with
        any grammar or mutation above)."""
        r = self.rates
        roll = rng.random()
        if roll < r.trickle_command:
            _trickle(plan, rng, data=False)
        elif roll < r.trickle_command + r.trickle_data:
            _trickle(plan, rng, data=True)
        elif roll < r.trickle_command + r.trickle_data + r.idle_timeout:
            # Stop somewhere (mid-line or between commands) and wait for the server to give up. Not
            # inside a big message: min_data_rate gives the server (rightly) minutes for those.
            if any(len(step.data) > 20_000 for step in plan.steps[-2:]):
                return
            if plan.ending == "quit":
                _drop_quit(plan)
            if rng.random() < 0.5 and plan.steps and plan.steps[-1].mutable and len(plan.steps[-1].data) > 2:
                step = plan.steps[-1]
                step.data = step.data[: rng.randrange(1, len(step.data))]
                plan.expected = None
            plan.ending = "await-timeout"
            plan.slow = "idle"
            plan.tags.append("idle-timeout")


def _tag(tags: list[str], tag: str) -> None:
    if tag not in tags:
        tags.append(tag)


def _drop_quit(plan: Plan) -> None:
    last = plan.steps[-1]
    if last.data.endswith(b"QUIT\r\n"):
        last.data = last.data[: -len(b"QUIT\r\n")]
        if not last.data:
            plan.steps.pop()
        if plan.expected:
            plan.expected.pop()


def _sender(rng: random.Random, smtputf8: bool) -> str:
    forms = ["ann@client.test", f"{rng.choice(LOCAL_WORDS)}.{rng.randint(0, 10**6)}@client.test",
             "", '"quoted user"@client.test', "user@[192.0.2.1]", "@relay.test:user@client.test",
             "noreply@shop.test", "jan@example.test", "MAILER-DAEMON@mx.client.test", "owner-list@lists.test"]
    if smtputf8:
        forms.append("użytkownik@klient.test")
    return rng.choice(forms)


def _recipients(rng: random.Random, smtputf8: bool, foreign: bool) -> list[tuple[str, int]]:
    """(address, owed code) pairs; catch-all accepts any local part of example.test. `foreign`:
    relaying attempts (550) allowed."""
    out = []
    for _ in range(1 + min(int(rng.expovariate(1.0)), 7)):
        box = rng.choice(VACATION_MAILBOXES)
        forms = [(f"{box}@{LOCAL_DOMAIN}", 250)] * 4 + [
            (f"{box}+{rng.choice(LOCAL_WORDS)}@{LOCAL_DOMAIN}", 250),
            (f"{rng.choice(LOCAL_WORDS)}@{LOCAL_DOMAIN}", 250),
            (f"{box}@EXAMPLE.TEST", 250),
            ("Postmaster", 250),
            ('"x y"@' + LOCAL_DOMAIN, 250),
        ]
        if foreign:
            forms.append((f"{rng.choice(LOCAL_WORDS)}@elsewhere.test", 550))
        if smtputf8:
            forms.append((f"zażółć@{LOCAL_DOMAIN}", 250))
        out.append(rng.choice(forms))
    return out


def _headers(rng: random.Random, token: str, recipients: list[str]) -> list[bytes]:
    to = ", ".join(f"{rng.choice(FIRST_NAMES)} <{a}>" if rng.random() < 0.5 else a
                   for a in recipients[: rng.randint(1, len(recipients))] if a != "Postmaster") or "undisclosed-recipients:;"
    display = rng.choice(FIRST_NAMES)
    display = rng.choice((display, f'"{display}"', _b64_word(display), _q_word(display, "UTF-8")))
    fields = [
        f"From: {display} <sender@client.test>",
        f"To: {to}",
        *_fold("Subject", _subject(rng)),
        "Date: Thu, 26 Nov 2026 10:00:00 +0100",
    ]
    optional = [
        ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
        ["Cc: ola@example.test"], ["Reply-To: <reply@client.test>"],
        ["In-Reply-To: <prev@client.test>", "References: <a@x.test>", "\t<b@x.test> <c@x.test>"],
        ["Auto-Submitted: auto-replied"], ["Precedence: bulk"], ["List-Id: <list.client.test>"],
        ["X-Auto-Response-Suppress: OOF"],
        ["Received: from relay.client.test (relay [192.0.2.7])", "\tby mx.client.test; Thu, 26 Nov 2026 10:00:00 +0100"],
        [f"X-Long: {'y' * rng.randint(100, 990)}"],
        [f"X-Polish: {rng.choice(POLISH)}"],
        ["X-Empty:"],
    ]
    for group in rng.sample(optional, rng.randint(0, 5)):
        fields.extend(group)
    fields.insert(rng.randint(0, 2), f"Message-ID: {token}")
    return [field.encode() for field in fields]


def _body_line(rng: random.Random) -> bytes:
    """One body line on the wire: dot-stuffed, CRLF-ended unless the line is about bare LF or smuggling."""
    roll = rng.random()
    if roll < 0.45:
        text = (rng.choice(POLISH) if rng.random() < 0.5 else rng.choice(ASCII)).encode()
    elif roll < 0.53:
        text = b""
    elif roll < 0.59:
        text = rng.choice((b".", b"..", b".hidden", b". leading dot", b"...", b".\t"))
    elif roll < 0.64:
        text = (rng.choice(ASCII).encode() + b" ") * 30
        text = text[: rng.randint(100, 998)]
    elif roll < 0.69:
        text = base64.b64encode(rng.randbytes(57))
    elif roll < 0.73:
        text = b"Za=C5=BC=C3=B3=C5=82=C4=87 g=C4=99=C5=9Bl=C4=85 ja=C5=BA=C5=84 soft break=" if rng.random() < 0.5 else b"=3D=20"
    elif roll < 0.75:
        text = b" \t  "
    elif roll < 0.78:
        text = bytes(rng.choice(range(0x80, 0x100)) for _ in range(rng.randint(1, 60)))  # not UTF-8
    elif roll < 0.80:
        text = b"nul\x00inside\x00"
    elif roll < 0.82:
        text = b"bare\rcarriage return" if rng.random() < 0.5 else b"ends in CR\r\r"
    elif roll < 0.86:
        return rng.choice(ASCII).encode() + b"\n"  # bare LF: stored with CRLF
    elif roll < 0.88:
        # Not the end of data: "." after a bare LF, or "." ended by a bare LF (SMTP smuggling).
        return rng.choice((b"smuggle\n.\r\n", b".\n", b"smuggle\n.\n", b"smuggle\r\n.\n", b".\r\r\n"))
    elif roll < 0.89:
        text = b"From someone at somewhere"
    else:
        text = " ".join(rng.choice(POLISH) for _ in range(rng.randint(1, 6))).encode()
    if text.startswith(b"."):
        text = b"." + text
    return text + b"\r\n"


_BULK_BLOCK = b"".join(
    ("%04d " % i).encode() + (POLISH[i % len(POLISH)] + " " + ASCII[i % len(ASCII)]).encode() + b"\r\n"
    for i in range(700))


def _bulk_body(rng: random.Random, size: int) -> bytes:
    offset = rng.randrange(len(_BULK_BLOCK))
    block = _BULK_BLOCK[_BULK_BLOCK.index(b"\r\n", offset) + 2:] + _BULK_BLOCK
    repeats = size // len(block) + 1
    body = (block * repeats)[: max(size, 2)]
    cut = body.rfind(b"\r\n")
    return body[: cut + 2] if cut >= 0 else b"x\r\n"


# ---------------------------------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------------------------------

def reshape(plan: Plan, rng: random.Random) -> None:
    """Changes only how the bytes travel (split writes, short pauses), never which bytes: the session
    stays strictly checked. Pauses stay far below the command deadline."""
    for step in plan.steps:
        if not step.data:
            continue
        if rng.random() < 0.5 and len(step.data) > 1:
            step.cuts = tuple(sorted(rng.sample(range(1, len(step.data)), min(len(step.data) - 1, rng.randint(1, 6)))))
            step.gap = rng.choice((0.0, 0.0, 0.001, 0.02))
        if rng.random() < 0.1:
            step.pause = rng.uniform(0.05, 1.0)
    plan.tags.append("reshaped")


MUTATIONS = ("flip", "flip", "flip", "truncate", "duplicate", "duplicate", "swap", "drop", "junk", "split")


def mutate(plan: Plan, rng: random.Random, limits: Limits) -> None:
    """1-3 changes to the bytes after any STARTTLS. The reply codes are then no longer predicted
    (only their number, form and the end-of-data outcome are)."""
    candidates = [i for i, step in enumerate(plan.steps) if step.mutable and step.data]
    if not candidates:
        return
    done = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        if plan.ending == "close" and "truncate" in done:
            break
        candidates = [i for i in candidates if i < len(plan.steps) and plan.steps[i].data]
        if not candidates:
            break
        i = rng.choice(candidates)
        step = plan.steps[i]
        what = rng.choice(MUTATIONS)
        if what == "flip":
            data = bytearray(step.data)
            for _ in range(rng.randint(1, 3)):
                pos = rng.randrange(len(data))
                data[pos] = rng.randrange(256) if rng.random() < 0.5 else data[pos] ^ (1 << rng.randrange(8))
            step.data = bytes(data)
        elif what == "truncate":
            step.data = step.data[: rng.randrange(len(step.data))]
            del plan.steps[i + 1:]
            plan.ending = "close"
        elif what in ("duplicate", "swap", "drop", "junk"):
            lines = step.data.split(b"\n")
            tail = lines.pop() if not step.data.endswith(b"\n") else None
            if step.data.endswith(b"\n"):
                lines.pop()
            lines = [line + b"\n" for line in lines]
            if not lines:
                continue
            k = rng.randrange(len(lines))
            if what == "duplicate":
                lines.insert(k, lines[k])
            elif what == "swap" and len(lines) > 1:
                k = min(k, len(lines) - 2)
                lines[k], lines[k + 1] = lines[k + 1], lines[k]
            elif what == "drop":
                del lines[k]
            elif what == "junk":
                lines.insert(k, rng.choice((
                    b"\r\n", b"GARBAGE\r\n", b"MAIL FROM:<x@y.test>\r\n", b"RCPT TO:<jan@example.test>\r\n", b"DATA\r\n",
                    b"BDAT 10 LAST\r\n", b"AUTH PLAIN AAAA\r\n", b"EXPN list\r\n", b"\x00\x01\x02\r\n",
                    b"EHLO " + b"h" * rng.randint(900, 1100) + b"\r\n", b"RSET\r\n", b"QUIT\r\n",
                    rng.randbytes(rng.randint(1, 80)).replace(b"\n", b"") + b"\r\n")))
            step.data = b"".join(lines) + (tail or b"")
        elif what == "split":
            if len(step.data) > 1:
                step.cuts = tuple(sorted(rng.sample(range(1, len(step.data)), min(len(step.data) - 1, rng.randint(1, 8)))))
        done.append(what)
    if any(d != "split" for d in done):
        plan.expected = None
    plan.tags.append("mutated:" + "+".join(done))


def _trickle(plan: Plan, rng: random.Random, data: bool) -> None:
    """Makes one write a slow drip: a few bytes every half second or so. The server should cut the
    session off once its deadline for that command line (or that message) has passed."""
    if data:
        candidates = [s for s in plan.steps if b"\r\n.\r\n" in s.data[-12:]]
    else:
        candidates = [s for s in plan.steps if s.data and s.mutable and not s.starttls and b"\r\n.\r\n" not in s.data[-12:]]
    if not candidates:
        return
    step = rng.choice(candidates)
    if data:
        # Long enough that the drip outlasts the server's DATA deadline.
        end = step.data.rindex(b"\r\n.\r\n") + 2
        step.data = step.data[:end] + b"trickled filler line\r\n" * 150 + step.data[end:]
        piece = rng.randint(10, 40)
    else:
        piece = rng.randint(1, 3)
        if len(step.data) < 24:
            # A short command line would be complete before the deadline: drip a longer one first
            # (NOOP takes an argument and ignores it).
            step.data = b"NOOP " + b"z" * 80 + b"\r\n" + step.data
            plan.expected = None
    step.cuts = tuple(range(piece, len(step.data), piece))
    step.gap = rng.uniform(0.3, 0.7)
    step.trickle = True
    plan.slow = "trickle-data" if data else "trickle-command"
    plan.tags.append(plan.slow)


# ---------------------------------------------------------------------------------------------------
# Reply model
# ---------------------------------------------------------------------------------------------------

@dataclass
class Line:
    content: bytes            # without the LF (a CR before it stays); only the head of an over-long one
    crlf: bool = False
    too_long: bool = False
    complete: bool = True


@dataclass
class Owed:
    kind: str                 # "greeting", "command", "end"
    line: Line | None = None
    predicted: int | None = None      # for "end": 250, 552 (too big) or 500 (line too long)
    message_id: str | None = None     # for "end": the first Message-ID header in the message
    size: int = 0


@dataclass
class _Data:
    size: int = 0
    too_big: bool = False
    too_long: bool = False
    prev_crlf: bool = True    # the CRLF that ended DATA counts as the first one
    in_headers: bool = True
    message_id: str | None = None


class ServerModel:
    """The replies a correct replyd owes for the bytes sent so far, in order.

    The phase after a DATA line depends on its reply (354 or an error), so lines sent after one are
    classified only once that reply is in: `owed` never runs ahead of what is known."""

    def __init__(self, max_line_length: int, max_message_size: int):
        self.max_line = max_line_length
        self.max_size = max_message_size
        self.owed: deque[Owed] = deque([Owed("greeting")])
        self.closed = False
        self._partial = bytearray()
        self._open_long: Line | None = None
        self._unclassified: deque[Line] = deque()
        self._phase = "command"   # "command", "data", or "blocked" on the reply to a DATA line
        self._data: _Data | None = None
        self.data_bytes = 0       # octets received in the current DATA (for the server's deadline)
        self.lines_seen = 0       # complete lines: each starts a new command deadline

    @property
    def in_data(self) -> bool:
        return self._phase == "data"

    def sent(self, data: bytes) -> None:
        if self.closed:
            return
        buf = self._partial + data
        start = 0
        while True:
            nl = buf.find(b"\n", start)
            if nl < 0:
                break
            content = bytes(buf[start:nl])
            start = nl + 1
            self.lines_seen += 1
            if self._open_long is not None:
                # The rest of a line already answered as too long: only its ending matters.
                self._open_long.crlf = content.endswith(b"\r") or (not content and self._open_long.content.endswith(b"\r"))
                self._open_long.complete = True
                self._open_long = None
                continue
            line = Line(content[:64], crlf=content.endswith(b"\r"), too_long=len(content) >= self.max_line)
            if not line.too_long:
                line.content = content
            self._unclassified.append(line)
        rest = buf[start:]
        if self._open_long is not None:
            if rest:
                self._open_long.content = bytes(rest[-1:])  # a trailing CR may pair with a later LF
            self._partial = bytearray()
        elif len(rest) >= self.max_line:
            self._open_long = Line(bytes(rest[-1:]), too_long=True, complete=False)
            self._unclassified.append(self._open_long)
            self._partial = bytearray()
        else:
            self._partial = bytearray(rest)
        self._classify()

    def tls_started(self) -> None:
        # The server throws away whatever it had buffered (CVE-2011-0411) and starts afresh.
        self._partial = bytearray()
        self._open_long = None
        self._unclassified.clear()
        self._phase = "command"

    def pay(self, code: int) -> Owed | None:
        """Assigns one reply to the oldest owed item; returns it (None: nothing was owed)."""
        if code in (221, 421):
            self.closed = True
        if not self.owed:
            return None
        item = self.owed.popleft()
        if self._phase == "blocked" and not self.owed:
            # The reply to the DATA line that stopped classification.
            if code == 354:
                self._phase = "data"
                self._data = _Data()
                self.data_bytes = 0
            else:
                self._phase = "command"
            self._classify()
        if self.closed:
            self.owed.clear()
        return item

    def _classify(self) -> None:
        while self._unclassified and self._phase != "blocked":
            line = self._unclassified[0]
            if self._phase == "command":
                self._unclassified.popleft()
                self.owed.append(Owed("command", line))
                if not line.too_long and is_data_command(line.content):
                    self._phase = "blocked"
            else:
                if not line.complete:
                    self._data.too_long = True
                    return
                self._unclassified.popleft()
                self._data_line(line)

    def _data_line(self, line: Line) -> None:
        d = self._data
        if line.too_long:
            d.too_long = True
            d.prev_crlf = line.crlf
            self.data_bytes += self.max_line
            return
        content = line.content[:-1] if line.crlf else line.content
        self.data_bytes += len(line.content) + 1
        if line.crlf and d.prev_crlf and content == b".":
            predicted = 552 if d.too_big else 500 if d.too_long else 250
            self.owed.append(Owed("end", predicted=predicted, message_id=d.message_id, size=d.size))
            self._phase = "command"
            self._data = None
            return
        d.prev_crlf = line.crlf
        if content.startswith(b"."):
            content = content[1:]
        d.size += len(content) + 2
        if d.size > self.max_size:
            d.too_big = True
        if d.in_headers:
            if not content:
                d.in_headers = False
            elif d.message_id is None and content[:11].lower() == b"message-id:":
                d.message_id = content[11:].strip().decode("utf-8", "replace")


def is_data_command(content: bytes) -> bool:
    """Whether the server parses the line as DATA (what may earn a 354)."""
    text = content[:-1] if content.endswith(b"\r") else content
    if b"\x00" in text:
        return False
    try:
        text_str = text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    verb, _, rest = text_str.partition(" ")
    return verb.upper() == "DATA" and rest.strip(" ") == ""


def command_verb(content: bytes) -> str:
    text = content[:-1] if content.endswith(b"\r") else content
    return text.split(b" ", 1)[0].decode("ascii", "replace").upper()


# ---------------------------------------------------------------------------------------------------
# Reply form
# ---------------------------------------------------------------------------------------------------

_REPLY_LINE = re.compile(rb"^([2-5][0-9][0-9])([ -])(.*)\r\n\Z", re.S)
_QUEUED = re.compile(rb"^250 2\.0\.0 Ok: queued as (\d+)\r\n\Z")


def reply_form_problem(lines: list[bytes]) -> tuple[str, str] | None:
    """(kind, detail) of what makes a reply not a well-formed RFC 5321 reply, or None."""
    codes = set()
    for i, line in enumerate(lines):
        m = _REPLY_LINE.match(line)
        if not m:
            return "not a reply line", f"{line[:120]!r}"
        codes.add(m.group(1))
        last = i == len(lines) - 1
        if (m.group(2) == b" ") != last:
            return "continuation marks out of place", f"{b''.join(lines)[:200]!r}"
        text = m.group(3)
        if any(b < 0x20 and b != 0x09 or b == 0x7F for b in text):
            return "control character in reply text", f"{line[:120]!r}"
        try:
            text.decode("utf-8")
        except UnicodeDecodeError:
            return "reply text not UTF-8", f"{line[:120]!r}"
        if len(line) > MAX_REPLY_LINE:
            return "reply line over 512 octets", f"{len(line)} octets: {line[:80]!r}..."
    if len(codes) > 1:
        return "mixed codes in one reply", f"{b''.join(lines)[:200]!r}"
    return None


def queued_id(lines: list[bytes]) -> int | None:
    m = _QUEUED.match(lines[-1]) if lines else None
    return int(m.group(1)) if m else None


def reply_code(lines: list[bytes]) -> int | None:
    try:
        return int(lines[-1][:3])
    except (ValueError, IndexError):
        return None
