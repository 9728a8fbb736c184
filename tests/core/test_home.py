"""`/` tells a first user where to go, in their language."""

import pytest
from django.test import Client


@pytest.mark.parametrize(
    ("accept_language", "lang", "heading", "api_docs"),
    [
        ("id-ID,id;q=0.9", "id", "Tular sedang berjalan", "Referensi API"),
        ("en-GB,en;q=0.8", "en", "Tular is running", "API reference"),
    ],
)
def test_start_page_links_the_api_docs_the_admin_and_the_health_check(
    db, accept_language, lang, heading, api_docs
):
    # when
    page = Client().get("/", headers={"Accept-Language": accept_language})
    # then
    assert page.status_code == 200
    assert page["Content-Language"] == lang
    text = page.content.decode()
    assert f'<html lang="{lang}">' in text
    assert heading in text
    assert f'<a href="/api/v1/docs">{api_docs}</a>' in text
    assert 'href="/admin/"' in text and 'href="/healthz"' in text
    assert "<code>tular apikey create</code>" in text  # markup kept, not escaped


def test_start_page_is_indonesian_by_default_and_only_for_reading(db):
    assert "Tular sedang berjalan" in Client().get("/").content.decode()
    assert Client().head("/").status_code == 200
    assert Client().post("/").status_code == 405
