"""Quality gates: evaluation figures that must not drop, in the style of trafilatura's CI gate.

Each gate is a JSON file in ``floors/``: the dataset it runs on, that dataset's sha256 (so the
gate cannot pass on changed data), the floors reached, and a tolerance for noise. A floor is
only ever lowered on purpose: ``write_floor(..., allow_lower=True)``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

FLOORS_DIR = Path(__file__).parent / "floors"


@dataclass
class GateResult:
    ok: bool
    messages: list[str]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_floor(gate: str) -> dict:
    return json.loads((FLOORS_DIR / f"{gate}.json").read_text())


def check(gate: str, dataset: Path, figures: dict[str, float]) -> GateResult:
    """Compare measured figures with a gate's floors (minus its tolerance)."""
    floor = load_floor(gate)
    messages = []
    ok = True
    if floor.get("sha256") and file_sha256(dataset) != floor["sha256"]:
        return GateResult(False, [f"{dataset.name} differs from the file the {gate} floors were "
                                  "measured on (sha256 mismatch): re-measure and update the floor"])
    tolerance = float(floor.get("tolerance", 0.0))
    for metric, minimum in floor["metrics"].items():
        value = figures.get(metric)
        if value is None:
            ok = False
            messages.append(f"{metric}: not measured")
        elif value < minimum - tolerance:
            ok = False
            messages.append(f"{metric} = {value:.4f} fell below the floor {minimum:.4f} "
                            f"(tolerance {tolerance})")
        else:
            messages.append(f"{metric} = {value:.4f} (floor {minimum:.4f})")
    return GateResult(ok, messages)


def write_floor(gate: str, dataset: Path, figures: dict[str, float], tolerance: float,
                allow_lower: bool = False, **extra: object) -> None:
    """Record new floors; refuses to lower an existing one unless ``allow_lower``."""
    path = FLOORS_DIR / f"{gate}.json"
    if path.exists() and not allow_lower:
        old = json.loads(path.read_text())["metrics"]
        lower = [m for m, v in figures.items() if m in old and v < old[m]]
        if lower:
            raise ValueError(f"refusing to lower the {gate} floor for {', '.join(lower)}; "
                             "pass allow_lower=True (--allow-lower) if that is intended")
    path.write_text(json.dumps({"dataset": dataset.name, "sha256": file_sha256(dataset),
                                "tolerance": tolerance, "metrics": figures, **extra},
                               indent=2) + "\n")
