"""Write requirements.txt (what the Functions build installs) from pyproject.toml's dependencies.

`make requirements` writes it; tests/unit/test_requirements.py fails when it is stale.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "# Generated from pyproject.toml by `make requirements`; do not edit.\n"


def render() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return HEADER + "".join(f"{dependency}\n" for dependency in sorted(project["dependencies"], key=str.lower))


if __name__ == "__main__":
    target = ROOT / "requirements.txt"
    target.write_text(render())
    print(f"wrote {target.relative_to(ROOT)}", file=sys.stderr)
