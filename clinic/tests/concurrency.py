"""Run callables in real threads, released at the same moment, each with its own database connection."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.db import connection


def race(attempts: Sequence[Callable[[], object]], *, success: str = "ok") -> Counter:
    """Count the outcomes: `success`, `refused:<code>` for a ValidationError (a rule said no), and
    `error:<type>:<message>` for anything else, which a test should treat as a server error."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(fn):
        try:
            barrier.wait()
            fn()
            result = success
        except ValidationError as exc:
            result = f"refused:{exc.code}"
        except Exception as exc:  # reported as an error outcome, failing the test
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(fn,)) for fn in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(outcomes)
