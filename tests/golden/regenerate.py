"""Rewrite the golden figures after a deliberate change of the model:
python -m tests.golden.regenerate (say in the commit which figures moved and why)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.golden.cases import GOLDEN_FILE, cases, fingerprint, key

if __name__ == "__main__":
    golden = {key(*case): fingerprint(*case) for case in cases()}
    path = Path(__file__).with_name(GOLDEN_FILE)
    path.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"{path}: {len(golden)} results")
