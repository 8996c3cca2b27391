"""The Japanese font of the PDFs the back office prints (postcards, card previews).

IPAexGothic, taken from the ``japanize-matplotlib`` wheel (it ships ``fonts/ipaexg.ttf``), is
registered once with reportlab under the name :data:`FONT`. reportlab embeds a subset of it in
every PDF that uses it, so the files print the same everywhere.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

__all__ = ["FONT", "ensure_font", "font_path"]

FONT: Final = "IPAexGothic"

_font_lock = threading.Lock()


def font_path() -> Path:
    """Path of ``ipaexg.ttf`` inside the installed japanize-matplotlib package."""
    spec = importlib.util.find_spec("japanize_matplotlib")  # locate only: importing pulls matplotlib
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("japanize-matplotlib (IPAexGothic font) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    if not path.is_file():
        raise RuntimeError(f"IPAexGothic not found at {path}")
    return path


def ensure_font() -> None:
    """Register :data:`FONT` with reportlab (idempotent, thread-safe). Call before drawing."""
    with _font_lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT, str(font_path())))
