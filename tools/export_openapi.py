"""Write the API's OpenAPI document to a file: the portal's typed client is generated from it.

Usage: python tools/export_openapi.py OUTPUT.json
Nothing connects to a database; the document is built from the endpoints the app registers.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(output: str) -> int:
    # Settings want a database URL; building the document never opens it.
    os.environ.setdefault("DATABASE_URL", "postgresql+psycopg://unused@127.0.0.1:1/unused")
    sys.path.insert(0, str(ROOT))
    import function_app  # noqa: F401  (registers every capability's endpoints)
    from shared.http.openapi import build_document
    from shared.settings import get_settings

    document = build_document(version=get_settings().version)
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
