"""Cold import time of function_app: `python -X importtime`, median of N fresh interpreters.

The Functions worker imports function_app before it can serve anything, so this is the floor of a
cold start. Reports the cumulative import time of function_app and, for comparison in the same run,
of a bare `import azure.functions` (the part no app can avoid), plus the modules costing the most.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def measure(module: str) -> tuple[int, list[tuple[int, str]]]:
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    cumulative, top = 0, []
    for match in LINE.finditer(result.stderr):
        cumulative_us, indent, name = int(match[2]), match[3], match[4]
        if name == module:
            cumulative = cumulative_us
        if len(indent) <= 3:
            top.append((cumulative_us, name))
    return cumulative, sorted(top, reverse=True)[:8]


def main(runs: int = 5) -> None:
    for module in ("azure.functions", "function_app"):
        samples = [measure(module) for _ in range(runs)]
        median_ms = statistics.median(s[0] for s in samples) / 1000
        print(
            f"{module}: median cumulative import {median_ms:.0f} ms over {runs} runs "
            f"({', '.join(f'{s[0] / 1000:.0f}' for s in samples)} ms)"
        )
    print("largest top-level imports of function_app (last run, ms):")
    for cumulative_us, name in samples[-1][1]:
        print(f"  {cumulative_us / 1000:7.1f}  {name}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
