"""Japanese fonts to fill paper forms the way people fill them (``hand_samples``), for tests and the
benchmark.

Five handwriting-style faces and a Mincho come from the npm registry's ``@fontsource`` packages
(SIL OFL 1.1): each package is fetched once into a cache folder (``CCUS_FONT_CACHE``, default
``$XDG_CACHE_HOME/ccus/fonts``), its tarball checked against a pinned sha256, and only the
regular-weight WOFF files and the package's ``unicode.json`` and ``LICENSE`` kept. Fontsource splits a
Japanese font into about 120 files by Unicode range (a browser loads only what a page uses), so a
face here is that set of files: the character picks its file through ``unicode.json``. WOFF (zlib)
rather than WOFF2 (brotli), so any FreeType that Pillow is built with reads them.

The Gothic is Noto Sans CJK JP from the ``noto-cjk-sans-jp-regular`` wheel (PyPI, dev dependency
group). None of these is IPAexGothic, the font the forms themselves are printed in.

The registry is npm's own setting (``npm_config_registry`` in the environment, else ``npm config get
registry``): no host is written here.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from PIL import Image, ImageDraw, ImageFont

from ccus.infra.settings import get_settings

__all__ = ["FONTS", "Face", "FontSpec", "cache_dir", "ensure_fonts", "face", "glyph_exists"]

Style = Literal["hand", "mincho", "gothic"]


@dataclass(frozen=True)
class FontSpec:
    key: str  # fontsource id, or the wheel's module for a PyPI font
    family: str
    style: Style
    source: str  # "npm" or "pypi"
    version: str
    sha256: str  # of the npm tarball ("" for a wheel: uv.lock pins its hash)
    licence: str = "OFL-1.1"


FONTS: Final[tuple[FontSpec, ...]] = (
    FontSpec("yomogi", "Yomogi", "hand", "npm", "5.3.0",
             "db1cc83484c6552df59b9c22f2f4725ceaad79875d90f42dcc9268a5c35d5080"),
    FontSpec("zen-kurenaido", "Zen Kurenaido", "hand", "npm", "5.3.0",
             "f8a7fb316996b6d8a7daa9faf3a5f8baab1622cdca9e2aec4af807036ddb2fa4"),
    FontSpec("klee-one", "Klee One", "hand", "npm", "5.3.0",
             "b816e39f3ab33d66172a6bb0492711dfc6bfb20e59e7e3282267ce48da30ef6a"),
    FontSpec("yusei-magic", "Yusei Magic", "hand", "npm", "5.3.0",
             "f752e070375427a719f719629f7af78b64d24a6fd7bea7041d8b6b72e2bcc6a0"),
    FontSpec("hachi-maru-pop", "Hachi Maru Pop", "hand", "npm", "5.3.0",
             "10f8789329e00597f5f4ae91f8fc1408c22b3b132a6de54b4b08c2f8d3e2b9c3"),
    FontSpec("zen-old-mincho", "Zen Old Mincho", "mincho", "npm", "5.3.0",
             "551092290bb1d17af6fdaee2c51b8b6836804029156a341cca6b5f2162726fe3"),
    FontSpec("noto_cjk_sans_jp_regular", "Noto Sans CJK JP", "gothic", "pypi", "0.0.1", ""),
)
BY_KEY: Final = {f.key: f for f in FONTS}
WEIGHT: Final = "400"
_lock = threading.RLock()


def cache_dir() -> Path:
    settings = get_settings()
    if settings.font_cache is not None:
        return settings.font_cache
    return (settings.xdg_cache_home or Path.home() / ".cache") / "ccus" / "fonts"


def _registry() -> str:
    if configured := get_settings().npm_registry:
        return configured.rstrip("/")
    npm = shutil.which("npm")
    if npm:
        got = subprocess.run([npm, "config", "get", "registry"], capture_output=True, text=True, timeout=60,
                             check=False).stdout.strip()
        if got.startswith("http"):
            return got.rstrip("/")
    raise RuntimeError("no npm registry configured: set npm_config_registry (or install npm) to fetch the fonts")


def _folder(spec: FontSpec) -> Path:
    return cache_dir() / f"{spec.key}-{spec.version}"


def _fetch(spec: FontSpec) -> Path:
    """The font's folder in the cache, fetched from the registry when missing."""
    folder = _folder(spec)
    if (folder / ".complete").is_file():
        return folder
    import httpx

    url = f"{_registry()}/@fontsource/{spec.key}/-/{spec.key}-{spec.version}.tgz"
    data = httpx.get(url, follow_redirects=True, timeout=300).raise_for_status().content
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise RuntimeError(f"@fontsource/{spec.key}@{spec.version}: sha256 {digest}, expected {spec.sha256}")
    tmp = folder.with_name(folder.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            keep = name in ("unicode.json", "LICENSE") or (
                name.startswith(f"{spec.key}-") and name.endswith(f"-{WEIGHT}-normal.woff"))
            if keep and member.isfile():
                src = tar.extractfile(member)
                if src is not None:
                    (tmp / name).write_bytes(src.read())
    (tmp / ".complete").write_text(spec.sha256)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder


def ensure_fonts(keys: Iterable[str] | None = None) -> list[FontSpec]:
    """Fetch every font of :data:`FONTS` (or of ``keys``) that is not in the cache yet."""
    specs = [BY_KEY[k] for k in keys] if keys is not None else list(FONTS)
    with _lock:
        for spec in specs:
            if spec.source == "npm":
                _fetch(spec)
    return specs


def _ranges(text: str) -> Iterator[tuple[int, int]]:
    for part in text.split(","):
        part = part.strip().upper().removeprefix("U+")
        if not part:
            continue
        a, _, b = part.partition("-")
        yield int(a, 16), int(b or a, 16)


class Face:
    """One font family at any size; ``font(ch, px)`` is the file that draws ``ch``."""

    def __init__(self, spec: FontSpec) -> None:
        self.spec = spec
        self._files: list[tuple[int, int, Path]] = []
        self._single: Path | None = None
        if spec.source == "pypi":
            import importlib

            module = importlib.import_module(spec.key)
            self._single = Path(str(module.FONT_PATH))
            return
        folder = _fetch(spec)
        table: dict[str, str] = json.loads((folder / "unicode.json").read_text())
        for subset, ranges in table.items():
            name = subset.strip("[]")
            path = folder / f"{spec.key}-{name}-{WEIGHT}-normal.woff"
            if path.is_file():
                self._files.extend((a, b, path) for a, b in _ranges(ranges))
        # latin first for what both cover (digits, @, Latin letters)
        self._files.sort(key=lambda r: (0 if "-latin-" in r[2].name else 1, r[0]))

    @property
    def family(self) -> str:
        return self.spec.family

    def path_of(self, ch: str) -> Path | None:
        if self._single is not None:
            return self._single
        code = ord(ch)
        for a, b, path in self._files:
            if a <= code <= b:
                return path
        return None

    def has(self, ch: str) -> bool:
        path = self.path_of(ch)
        return path is not None and glyph_exists(_truetype(str(path), 48), ch)

    def font(self, ch: str, px: int) -> ImageFont.FreeTypeFont | None:
        path = self.path_of(ch)
        return _truetype(str(path), max(4, px)) if path is not None else None


@functools.lru_cache(maxsize=2048)
def _truetype(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, px)


def _drawn(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    img = Image.new("L", (96, 96))
    ImageDraw.Draw(img).text((8, 8), ch, font=font, fill=255)
    return img.tobytes()


def glyph_exists(font: ImageFont.FreeTypeFont, ch: str) -> bool:
    """True when ``font`` draws ``ch`` as itself: some ink, and not the font's missing-glyph box
    (what a private-use code point draws)."""
    drawn = _drawn(font, ch)
    return any(drawn) and drawn != _drawn(font, "\ue000") and drawn != _drawn(font, "\U0010fffd")


@functools.cache
def face(key: str) -> Face:
    with _lock:
        return Face(BY_KEY[key])
