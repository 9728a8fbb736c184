"""The committed docs/openapi.json is the API as the code serves it: a change to the public
contract shows up as a diff in review."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_document_is_current():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from export_openapi import TARGET, render
    finally:
        sys.path.pop(0)
    assert TARGET.read_text() == render(), (
        "docs/openapi.json is stale: run `uv run python scripts/export_openapi.py` and commit it"
    )
