"""Write the API's OpenAPI document to docs/openapi.json (committed, so contract changes show up
in review; tests/api/test_openapi_committed.py fails when it is stale).

    uv run python scripts/export_openapi.py
"""

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "openapi.json"


def render() -> str:
    from tular.api.v1 import api

    # Through JSON once so integer status codes become strings and the keys can be sorted.
    schema = json.loads(json.dumps(api.get_openapi_schema(), default=str))
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")
    os.environ.setdefault("TULAR_DATA_DIR", tempfile.mkdtemp(prefix="tular-openapi-"))
    import django

    django.setup()
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
