"""A Redis server for the tests of the Redis-backed rate limits, on any machine, never a skip.

Production counts its rate limits in Redis (`CACHE_URL=redis://...`: Django's own RedisCache over
redis-py), so these tests run that very path against a server speaking Redis's protocol over TCP. The
server is the first of:

1. The Redis at `TEST_REDIS_URL` (default redis://127.0.0.1:6379/0) when it answers PING: the real
   server this machine and CI run. It may be shared (other checkouts' tests, a dev server), so every
   key written carries a prefix unique to the run, only those keys are deleted afterwards, and nothing
   is ever flushed.
2. Else a throwaway `redis-server` on a free port, when the binary is installed: still the real thing.
3. Else fakeredis's `TcpFakeServer` (requirements-dev.txt), an in-process server answering the same
   protocol on a real socket, so the cache backend, redis-py and a second process run unchanged. This
   is what makes README's `pytest` pass on a fresh machine with no Redis: CI fails on any skipped test,
   and mocking the client would test nothing of what two app servers share.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from threading import Thread

import redis
from fakeredis import TcpFakeServer

DEFAULT_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class RedisServer:
    url: str
    prefix: str  # every key the tests write starts with it
    kind: str  # "running", "redis-server" or "fakeredis": which of the three it is


def answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def fakeredis_server() -> Iterator[str]:
    """fakeredis's TCP server on a free port, in a thread of this process; its URL."""
    server = TcpFakeServer(("127.0.0.1", 0))
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.server_address[1]}/0"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def _redis_server_process(binary: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed binary with fixed arguments
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while not answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{binary} did not start on port {port}")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _delete_prefixed(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """The first Redis at hand (see the module's docstring), its test keys deleted afterwards."""
    prefix = f"clinic-test-{uuid.uuid4().hex[:12]}"
    running = os.environ.get("TEST_REDIS_URL", DEFAULT_URL)
    binary = shutil.which("redis-server")
    with ExitStack() as stack:
        if answers(running):
            url, kind = running, "running"
        elif binary:
            url, kind = stack.enter_context(_redis_server_process(binary)), "redis-server"
        else:
            url, kind = stack.enter_context(fakeredis_server()), "fakeredis"
        stack.callback(_delete_prefixed, url, prefix)
        yield RedisServer(url=url, prefix=prefix, kind=kind)
