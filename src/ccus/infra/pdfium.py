"""The one lock around PDFium (pypdfium2): the library is not thread-safe, whichever module calls
it (attachment checks, scans, print batch merges), and the web app and flows call it from thread
pools. Reentrant, so a holder may call another module that takes it too."""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.RLock()
