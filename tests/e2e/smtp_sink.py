"""A local SMTP sink that plays the relay / MX host replyd delivers to (stdlib only: asyncio + ssl).

It speaks ESMTP (RFC 5321) with PIPELINING (RFC 2920), SIZE, 8BITMIME, ENHANCEDSTATUSCODES, STARTTLS
(RFC 3207) and AUTH PLAIN / LOGIN (RFC 4954; advertised only after TLS unless `auth_in_clear`), or
implicit TLS from the first byte. It runs its own event loop in a background thread and listens on
an ephemeral loopback port, so tests using it are parallel-safe.

Every step can be told what to answer, by `sink.behave(step=action)` (takes effect for the next
command) or the `behaviour` argument:

    steps:   greeting, ehlo, helo, starttls, auth, mail, rcpt, data, body, eod, quit
    actions: None (the normal answer) | 451 | (451, "4.3.0 try later") | "hang" (never answer; keep the
             connection open until the client gives up) | "drop" (close the connection at once) |
             a callable(argument) returning one of these (e.g. per recipient for "rcpt").

"body" is the message data after `354`: "drop" closes the connection after the first chunk of data
has arrived, "hang" stops reading. "eod" is the reply to the final "." line.

What arrived is recorded: `sink.messages` (accepted with 250 after DATA), `sink.rejected` (data
received but refused at end of data), `sink.sessions` (one per connection: TLS, commands, AUTH).
"""
from __future__ import annotations

import asyncio
import base64
import dataclasses
import itertools
import ssl
import threading
import time
from typing import Any, Callable

STEPS = ("greeting", "ehlo", "helo", "starttls", "auth", "mail", "rcpt", "data", "body", "eod", "quit")


@dataclasses.dataclass
class Session:
    """One client connection."""
    id: int
    peer: Any
    implicit_tls: bool = False
    tls: bool = False
    tls_version: str | None = None
    tls_error: str | None = None
    helo: str | None = None
    # (tls on?, command line as received) for every command line, AUTH continuation lines included.
    commands: list = dataclasses.field(default_factory=list)
    # For each entry of `commands`: were more bytes already waiting when it was read (pipelined)?
    pipelined: list = dataclasses.field(default_factory=list)
    # (mechanism, username, password, tls on?, accepted?)
    auth_attempts: list = dataclasses.field(default_factory=list)
    auth_user: str | None = None
    closed: bool = False

    def verbs(self):
        return [line.split(" ", 1)[0].split(":", 1)[0].upper() for _, line in self.commands]


@dataclasses.dataclass
class Received:
    """One message at end of data."""
    session: int
    mail_from: str
    mail_params: list
    rcpt_tos: list
    data: bytes  # un-dot-stuffed, without the final ".\r\n"
    wire: bytes  # as received after 354, dot-stuffed, with the final ".\r\n"
    tls: bool
    tls_version: str | None
    auth_user: str | None
    helo: str | None
    received_at: float
    reply_code: int = 250


class _Drop(Exception):
    """The sink decided to close the connection."""


class SMTPSink:
    def __init__(self, *, cert=None, key=None, starttls=None, implicit_tls=False, auth=None,
                 auth_mechanisms=("PLAIN", "LOGIN"), auth_in_clear=False, pipelining=True, esmtp=True,
                 size_limit=10 * 1024 * 1024, host="127.0.0.1", port=0, hostname="sink.test",
                 behaviour=None, eod_delay=0.0):
        """`cert`/`key`: PEM files for TLS. `starttls` defaults to True when a certificate is given.
        `auth`: {username: password} to accept (AUTH is advertised only when set)."""
        self.cert, self.key = cert, key
        self.starttls = bool(cert) if starttls is None else starttls
        self.implicit_tls = implicit_tls
        if (self.starttls or implicit_tls) and not (cert and key):
            raise ValueError("TLS needs cert and key")
        self.auth = dict(auth) if auth else None
        self.auth_mechanisms = tuple(m.upper() for m in auth_mechanisms)
        self.auth_in_clear = auth_in_clear
        self.pipelining = pipelining
        self.esmtp = esmtp
        self.size_limit = size_limit
        self.host = host
        self.port = port
        self.hostname = hostname
        self.eod_delay = eod_delay
        self._behaviour = dict(behaviour or {})
        self._check_steps(self._behaviour)
        self._cond = threading.Condition()
        self.sessions: list[Session] = []
        self._messages: list[Received] = []
        self._rejected: list[Received] = []
        self._ids = itertools.count(1)
        self._queue_ids = itertools.count(1)
        self._loop = None
        self._thread = None
        self._server = None
        self._tasks = set()
        self._ssl = None

    # --- control (any thread) ------------------------------------------------------------------

    @staticmethod
    def _check_steps(behaviour):
        unknown = set(behaviour) - set(STEPS)
        if unknown:
            raise ValueError(f"unknown sink steps {sorted(unknown)}; known: {STEPS}")

    def behave(self, **behaviour):
        """Set (or with None, reset) what the sink does at the given steps from now on."""
        self._check_steps(behaviour)
        with self._cond:
            for step, action in behaviour.items():
                if action is None:
                    self._behaviour.pop(step, None)
                else:
                    self._behaviour[step] = action

    def reset_behaviour(self):
        with self._cond:
            self._behaviour.clear()

    def start(self):
        if self.cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(str(self.cert), str(self.key))
            self._ssl = context
        started = threading.Event()
        failure = []

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            try:
                self._server = self._loop.run_until_complete(asyncio.start_server(
                    self._handle, self.host, self.port, limit=1 << 20,
                    ssl=self._ssl if self.implicit_tls else None, reuse_address=False))
                self.port = self._server.sockets[0].getsockname()[1]
            except Exception as error:  # noqa: BLE001 - reported to the starting thread
                failure.append(error)
                started.set()
                self._loop.close()
                return
            started.set()
            try:
                self._loop.run_forever()
            finally:
                self._loop.run_until_complete(self._loop.shutdown_asyncgens())
                self._loop.close()

        self._thread = threading.Thread(target=run, name=f"smtp-sink-{id(self)}", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self):
        if not self._loop or self._loop.is_closed():
            return

        async def shutdown():
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def drop_connections(self):
        """Hangs up on every open connection (as a relay's idle time-out does) and waits until they are closed."""
        async def drop():
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(drop(), self._loop).result(10)
        self.wait_for(lambda sink: all(x.closed for x in sink.sessions), 10, "the connections to close")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- what arrived (any thread) -------------------------------------------------------------

    @property
    def messages(self) -> list[Received]:
        with self._cond:
            return list(self._messages)

    @property
    def rejected(self) -> list[Received]:
        with self._cond:
            return list(self._rejected)

    @property
    def connections(self) -> int:
        with self._cond:
            return len(self.sessions)

    def all_sessions(self) -> list[Session]:
        with self._cond:
            return list(self.sessions)

    def wait_for(self, predicate: Callable[["SMTPSink"], Any], timeout=15.0, what="condition"):
        """Waits until predicate(sink) is truthy; returns its value or raises AssertionError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(self)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"sink: timed out after {timeout}s waiting for {what}; "
                                         f"{len(self._messages)} messages, {len(self.sessions)} connections")
                self._cond.wait(min(left, 0.1))

    def wait_messages(self, count=1, timeout=15.0) -> list[Received]:
        self.wait_for(lambda sink: len(sink._messages) >= count, timeout, f"{count} message(s)")
        return self.messages

    def wait_connections(self, count=1, timeout=15.0):
        self.wait_for(lambda sink: len(sink.sessions) >= count, timeout, f"{count} connection(s)")

    # --- the SMTP server side (event loop thread) ----------------------------------------------

    def _action(self, step, argument=None):
        with self._cond:
            action = self._behaviour.get(step)
        if callable(action):
            action = action(argument)
        return action

    async def _send(self, writer, code, text):
        lines = text.split("\n") if isinstance(text, str) else list(text)
        out = "".join(f"{code}{'-' if i < len(lines) - 1 else ' '}{line}\r\n" for i, line in enumerate(lines))
        writer.write(out.encode("utf-8"))
        await writer.drain()

    async def _hang(self, reader):
        # Never answer; read (and discard) until the client closes the connection.
        while await reader.read(65536):
            pass
        raise _Drop()

    async def _respond(self, reader, writer, step, argument, default_code, default_text) -> int:
        """Answers a step as told (or with the default); returns the code sent."""
        action = self._action(step, argument)
        if action == "drop":
            raise _Drop()
        if action == "hang":
            await self._hang(reader)
        if action is None:
            code, text = default_code, default_text
        elif isinstance(action, int):
            code, text = action, {2: "2.0.0 Ok", 3: "Go ahead", 4: "4.3.0 Try again later (sink told so)",
                                  5: "5.7.1 Refused (sink told so)"}[action // 100]
        else:
            code, text = action
        await self._send(writer, code, text)
        return code

    def _ehlo_lines(self, session):
        lines = [f"{self.hostname} greets {session.helo}"]
        if self.pipelining:
            lines.append("PIPELINING")
        lines += [f"SIZE {self.size_limit}", "8BITMIME", "ENHANCEDSTATUSCODES"]
        if self.starttls and not session.tls:
            lines.append("STARTTLS")
        if self.auth is not None and (session.tls or self.auth_in_clear):
            lines.append("AUTH " + " ".join(self.auth_mechanisms))
        return lines

    async def _handle(self, reader, writer):
        task = asyncio.current_task()
        self._tasks.add(task)
        session = Session(id=next(self._ids), peer=writer.get_extra_info("peername"), implicit_tls=self.implicit_tls)
        with self._cond:
            self.sessions.append(session)
            self._cond.notify_all()
        if self.implicit_tls:
            session.tls = True
            ssl_object = writer.get_extra_info("ssl_object")
            session.tls_version = ssl_object.version() if ssl_object else None
        try:
            await self._converse(session, reader, writer)
        except (_Drop, ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, asyncio.CancelledError, OSError):
            pass
        finally:
            self._tasks.discard(task)
            try:
                writer.transport.abort()
            except Exception:  # noqa: BLE001
                pass
            with self._cond:
                session.closed = True
                self._cond.notify_all()

    async def _readline(self, reader, session):
        line = await reader.readline()
        if not line or not line.endswith(b"\n"):
            raise _Drop()
        text = line.rstrip(b"\r\n").decode("utf-8", "replace")
        buffered = len(getattr(reader, "_buffer", b"")) > 0
        with self._cond:
            session.commands.append((session.tls, text))
            session.pipelined.append(buffered)
        return text

    async def _converse(self, session, reader, writer):
        if await self._respond(reader, writer, "greeting", None, 220, f"{self.hostname} ESMTP sink") != 220:
            # A server that refuses at greeting still answers QUIT (RFC 5321 3.1) and then closes.
            pass
        mail_from, mail_params, rcpts = None, [], []
        while True:
            line = await self._readline(reader, session)
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                if not self.esmtp:
                    await self._send(writer, 502, "5.5.2 EHLO not implemented")
                    continue
                session.helo = argument.strip()
                mail_from, mail_params, rcpts = None, [], []
                await self._respond(reader, writer, "ehlo", argument, 250, "\n".join(self._ehlo_lines(session)))
            elif verb == "HELO":
                session.helo = argument.strip()
                mail_from, mail_params, rcpts = None, [], []
                await self._respond(reader, writer, "helo", argument, 250, f"{self.hostname}")
            elif verb == "STARTTLS":
                if not self.starttls or session.tls:
                    await self._send(writer, 503 if session.tls else 502, "5.5.1 STARTTLS not available")
                    continue
                code = await self._respond(reader, writer, "starttls", None, 220, "2.0.0 Ready to start TLS")
                if code != 220:
                    continue
                try:
                    await writer.start_tls(self._ssl, ssl_handshake_timeout=15)
                except (ssl.SSLError, ConnectionError, OSError, asyncio.TimeoutError) as error:
                    with self._cond:
                        session.tls_error = f"{type(error).__name__}: {error}"
                    raise _Drop() from error
                ssl_object = writer.get_extra_info("ssl_object")
                with self._cond:
                    session.tls = True
                    session.tls_version = ssl_object.version() if ssl_object else "?"
                    session.helo = None
                mail_from, mail_params, rcpts = None, [], []
            elif verb == "AUTH":
                await self._auth(session, reader, writer, argument)
            elif verb == "MAIL":
                if not argument.upper().startswith("FROM:"):
                    await self._send(writer, 501, "5.5.4 Syntax: MAIL FROM:<address>")
                    continue
                if session.helo is None:
                    await self._send(writer, 503, "5.5.1 EHLO first")
                    continue
                address, params = _path_and_params(argument[5:])
                code = await self._respond(reader, writer, "mail", address, 250, "2.1.0 Ok")
                if code == 250:
                    mail_from, mail_params, rcpts = address, params, []
            elif verb == "RCPT":
                if mail_from is None:
                    await self._send(writer, 503, "5.5.1 MAIL first")
                    continue
                if not argument.upper().startswith("TO:"):
                    await self._send(writer, 501, "5.5.4 Syntax: RCPT TO:<address>")
                    continue
                address, _ = _path_and_params(argument[3:])
                code = await self._respond(reader, writer, "rcpt", address, 250, "2.1.5 Ok")
                if code in (250, 251):
                    rcpts.append(address)
            elif verb == "DATA":
                if mail_from is None:
                    await self._send(writer, 503, "5.5.1 MAIL first")
                    continue
                if not rcpts:
                    await self._send(writer, 554, "5.5.1 No valid recipients")
                    continue
                code = await self._respond(reader, writer, "data", None, 354, "End data with <CR><LF>.<CR><LF>")
                if code != 354:
                    continue
                await self._receive(session, reader, writer, mail_from, mail_params, rcpts)
                mail_from, mail_params, rcpts = None, [], []
            elif verb == "RSET":
                mail_from, mail_params, rcpts = None, [], []
                await self._send(writer, 250, "2.0.0 Ok")
            elif verb == "NOOP":
                await self._send(writer, 250, "2.0.0 Ok")
            elif verb == "QUIT":
                await self._respond(reader, writer, "quit", None, 221, "2.0.0 Bye")
                raise _Drop()
            else:
                await self._send(writer, 500, "5.5.2 Command not recognised")

    async def _receive(self, session, reader, writer, mail_from, mail_params, rcpts):
        action = self._action("body")
        if action == "drop":
            await reader.read(1)  # some data has arrived: now go away mid-DATA
            raise _Drop()
        if action == "hang":
            await self._hang(reader)
        wire = bytearray()
        data = bytearray()
        while True:
            line = await reader.readline()
            if not line:
                raise _Drop()
            wire += line
            if line == b".\r\n":
                break
            data += line[1:] if line.startswith(b".") else line
        if self.eod_delay:
            await asyncio.sleep(self.eod_delay)
        queue_id = next(self._queue_ids)
        received = Received(session=session.id, mail_from=mail_from, mail_params=list(mail_params), rcpt_tos=list(rcpts),
                            data=bytes(data), wire=bytes(wire), tls=session.tls, tls_version=session.tls_version,
                            auth_user=session.auth_user, helo=session.helo, received_at=time.time())
        action = self._action("eod", received)
        if action == "drop":
            raise _Drop()
        if action == "hang":
            await self._hang(reader)
        if action is None:
            code, text = 250, f"2.0.0 Ok: queued as S{queue_id}"
        elif isinstance(action, int):
            code, text = action, ("4.3.0 Try again later (sink told so)" if action < 500 else "5.7.1 Refused (sink told so)")
        else:
            code, text = action
        received.reply_code = code
        # Recorded before the reply leaves: a message counts as arrived even if the client dies now.
        with self._cond:
            (self._messages if code == 250 else self._rejected).append(received)
            self._cond.notify_all()
        await self._send(writer, code, text)

    async def _auth(self, session, reader, writer, argument):
        offered = self.auth is not None and (session.tls or self.auth_in_clear)
        parts = argument.split()
        mechanism = parts[0].upper() if parts else ""
        if not offered or mechanism not in self.auth_mechanisms:
            await self._send(writer, 504 if offered else 503, "5.5.4 AUTH mechanism not available")
            return
        if session.auth_user is not None:
            await self._send(writer, 503, "5.5.1 Already authenticated")
            return
        try:
            if mechanism == "PLAIN":
                if len(parts) > 1:
                    token = parts[1]
                else:
                    await self._send(writer, 334, "")
                    token = await self._readline(reader, session)
                _authzid, username, password = base64.b64decode(token, validate=True).split(b"\0", 2)
            else:  # LOGIN
                if len(parts) > 1:
                    username = base64.b64decode(parts[1], validate=True)
                else:
                    await self._send(writer, 334, "VXNlcm5hbWU6")
                    username = base64.b64decode(await self._readline(reader, session), validate=True)
                await self._send(writer, 334, "UGFzc3dvcmQ6")
                password = base64.b64decode(await self._readline(reader, session), validate=True)
            username, password = username.decode("utf-8"), password.decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            await self._send(writer, 501, "5.5.2 Cannot decode AUTH response")
            return
        accepted = self.auth.get(username) == password
        with self._cond:
            session.auth_attempts.append((mechanism, username, password, session.tls, accepted))
        if not accepted:
            await self._send(writer, 535, "5.7.8 Authentication credentials invalid")
            return
        code = await self._respond(reader, writer, "auth", username, 235, "2.7.0 Authentication successful")
        if code == 235:
            session.auth_user = username


def _path_and_params(text):
    """'<a@b> SIZE=10 BODY=8BITMIME' -> ('a@b', ['SIZE=10', 'BODY=8BITMIME'])."""
    text = text.strip()
    if text.startswith("<"):
        end = text.find(">")
        if end < 0:
            return text[1:], []
        return text[1:end], text[end + 1:].split()
    parts = text.split()
    return (parts[0] if parts else ""), parts[1:]
