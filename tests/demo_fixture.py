"""Running the quick start's main job, ``newsdesk demo``, into a data directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_demo(data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", "--data-dir", str(data_dir), "demo", "--show", "1"],
        capture_output=True, text=True, timeout=600,
    )
