"""A local SMTP server for tests (aiosmtpd): it records every message it accepts. And a port where a
server accepts connections but never answers."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from contextlib import contextmanager
from email import message_from_bytes

from aiosmtpd.controller import Controller


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


@contextmanager
def silent_smtp_server(port: int):
    """Accepts the TCP connection (the kernel does, from the listen backlog) and never says a word."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(16)
        yield
