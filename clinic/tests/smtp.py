"""For tests of real delivery: a local SMTP server (aiosmtpd) that records every message it accepts, a
port where a server accepts connections but never answers, settings that send through SMTP with the
database task backend, and `manage.py db_worker` run in this process."""

from __future__ import annotations

import signal
import socket
import threading
from collections import Counter
from contextlib import contextmanager
from email import message_from_bytes

from aiosmtpd.controller import Controller
from django.core.management import call_command

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def outbox_ids(self) -> Counter:
        with self._lock:
            return Counter(message["X-Clinic-Outbox-Id"] for message in self.messages)


@contextmanager
def smtp_sink(port: int):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


class SilentServer:
    """What a silent server saw: `connections` counts the clients that connected."""

    def __init__(self):
        self.connections = 0
        self.sockets: list[socket.socket] = []


@contextmanager
def silent_smtp_server(port: int):
    """Accepts every TCP connection and never says a word (no greeting), as a hung mail server does;
    yields a `SilentServer` that counts the connections."""
    seen = SilentServer()
    stop = threading.Event()
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(16)
        server.settimeout(0.1)

        def accept_and_hold():
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                seen.connections += 1
                seen.sockets.append(conn)

        thread = threading.Thread(target=accept_and_hold, daemon=True)
        thread.start()
        try:
            yield seen
        finally:
            stop.set()
            thread.join()
            for conn in seen.sockets:
                conn.close()


def use_smtp_and_database_tasks(settings) -> int:
    """Point the `settings` fixture at SMTP on a free local port (nothing listens there yet) and at the
    database task backend, as in production. Returns the port."""
    port = free_port()
    settings.TASKS = DATABASE_TASKS
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    return port


def run_db_worker() -> None:
    """`manage.py db_worker --batch` in this process: runs every task that is due, then returns. The
    worker installs its own signal handlers; pytest's are put back afterwards."""
    names = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {number: signal.getsignal(number) for number in names}
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
