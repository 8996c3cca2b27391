"""At most one call per interval, and never the last one dropped (a trailing call)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Debounce:
    """Calls ``fire(key)`` at most once per ``interval`` seconds for each key, without losing a
    request: one that comes within the interval is answered by ONE call when the interval ends,
    however many came meanwhile. So a burst costs two calls, and the last request of a burst is
    always followed by a call (a drain started after it sees its case)."""

    def __init__(self, interval: float, fire: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval, self._fire, self._clock = interval, fire, clock
        self._last: dict[str, float] = {}
        self._pending: dict[str, threading.Timer] = {}
        self._lock = threading.Lock()

    def request(self, key: str) -> bool:
        """True if ``fire(key)`` was called now; False if it is due at the end of the interval."""
        with self._lock:
            now = self._clock()
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                if key not in self._pending:
                    timer = threading.Timer(self.interval - (now - last), self._trailing, args=(key,))
                    timer.daemon = True
                    self._pending[key] = timer
                    timer.start()
                return False
            self._last[key] = now
        self._fire(key)
        return True

    def _trailing(self, key: str) -> None:
        with self._lock:
            self._pending.pop(key, None)
            self._last[key] = self._clock()
        self._fire(key)

    def pending(self) -> set[str]:
        with self._lock:
            return set(self._pending)
