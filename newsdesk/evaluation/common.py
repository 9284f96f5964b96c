"""What every evaluation shares: finding ../shared/eval, reading its JSONL, timing and memory."""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

EVAL_ENV = "NEWSDESK_EVAL_DIR"


def eval_dir() -> Path | None:
    """The evaluation datasets folder: $NEWSDESK_EVAL_DIR, else ../shared/eval beside the repo."""
    if os.environ.get(EVAL_ENV):
        path = Path(os.environ[EVAL_ENV])
        return path if path.is_dir() else None
    repo = Path(__file__).resolve().parents[2]
    for candidate in (repo.parent / "shared" / "eval", Path.cwd().parent / "shared" / "eval"):
        if candidate.is_dir():
            return candidate
    return None


def resolve_dataset(name_or_path: str | Path) -> Path:
    """A dataset path as given, or a bare file name looked up in the evaluation folder."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    folder = eval_dir()
    if folder and (folder / path.name).is_file():
        return folder / path.name
    raise FileNotFoundError(
        f"{name_or_path}: no such file (looked in the current folder and in "
        f"{folder or '../shared/eval (absent)'}; set {EVAL_ENV} to the datasets folder)")


def read_jsonl(path: str | Path, limit: int | None = None) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
                if limit is not None and len(rows) >= limit:
                    break
    return rows


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


@contextmanager
def measure(interval: float = 0.02) -> Iterator[Measurement]:
    """Wall time and the peak resident memory of this process while the block runs."""
    process = psutil.Process()
    result = Measurement()
    peak = process.memory_info().rss
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, process.memory_info().rss)
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        result.peak_rss_mb = max(peak, process.memory_info().rss) / 2**20


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
