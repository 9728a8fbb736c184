"""`GET /r/{code}` through the production WSGI callable (tular.wsgi.application): the fast path
for known codes, Django for everything else. The fast path uses Django's own connection, so it
sees (and writes into) the test transaction."""

import uuid
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tular.tracking import redirect
from tular.tracking.models import Click
from tular.wsgi import application

DESTINATION = "https://toko.example/daftar"
WINDOW_SECONDS = 30 * 86400


def keeping_test_connection(environ, start_response):
    """tular.wsgi.application as Django's test Client runs Django: the request signals must not
    close the connection that holds the test's transaction (on PostgreSQL close_old_connections
    would, since the test runs outside autocommit)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # fires request_finished, as a WSGI server would
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return [body]


@pytest.fixture
def client(db):
    transport = httpx.WSGITransport(app=keeping_test_connection, remote_addr="203.0.113.7")
    with httpx.Client(
        transport=transport, base_url="http://ref.toko.example", follow_redirects=False
    ) as client:
        yield client


@pytest.fixture
def code(participant):
    return participant["code"]


def click_id_in(location: str) -> uuid.UUID:
    return uuid.UUID(parse_qs(urlsplit(location).query)["tular_click"][0])


def test_known_code_redirects_with_via_and_click_and_records_one_click(client, participant):
    # when
    response = client.get(
        f"/r/{participant['code']}",
        headers={"User-Agent": "Mozilla/5.0 test", "Referer": "https://wa.me/"},
    )
    # then
    assert response.status_code == 302
    location = response.headers["location"]
    click_id = click_id_in(location)
    assert location == f"{DESTINATION}?via={participant['code']}&tular_click={click_id}"
    assert response.headers["cache-control"] == "no-store"
    assert response.content == b""
    # answered by the fast path, not Django's middleware stack
    assert "x-frame-options" not in response.headers
    cookie = response.headers["set-cookie"]
    assert cookie == (f"tular_click={click_id}; Max-Age={WINDOW_SECONDS}; Path=/; SameSite=Lax"), (
        cookie
    )
    click = Click.objects.get()
    assert click.id == click_id
    assert str(click.participant_id) == participant["id"]
    assert click.source == "redirect"
    assert click.landing_url == f"http://ref.toko.example/r/{participant['code']}"
    assert click.referrer == "https://wa.me/"
    assert click.ip == "203.0.113.7"
    assert click.user_agent == "Mozilla/5.0 test"


def test_every_visit_is_a_new_click(client, code):
    ids = {click_id_in(client.get(f"/r/{code}").headers["location"]) for _ in range(3)}
    assert len(ids) == 3
    assert Click.objects.count() == 3


def test_lowercase_code_works(client, code):
    response = client.get(f"/r/{code.lower()}")
    assert response.status_code == 302
    assert f"via={code}&" in response.headers["location"]
    assert Click.objects.count() == 1


def test_landing_url_keeps_the_query(client, code):
    client.get(f"/r/{code}", params={"utm_source": "wa"})
    assert Click.objects.get().landing_url == f"http://ref.toko.example/r/{code}?utm_source=wa"


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("https://toko.example/promo?x=1", "https://toko.example/promo?x=1&"),
        ("https://TOKO.example/promo", "https://TOKO.example/promo?"),
        ("/harga?paket=pro", "https://toko.example/harga?paket=pro&"),
        ("/x", "https://toko.example/x?"),
    ],
)
def test_deep_link_to_an_allowed_host_or_a_path_is_followed(client, code, to, expected):
    response = client.get(f"/r/{code}", params={"to": to})
    assert response.status_code == 302
    assert response.headers["location"].startswith(expected + f"via={code}&tular_click=")


@pytest.mark.parametrize(
    "to",
    [
        "https://evil.example/",
        "https://toko.example.evil.example/",
        "https://evil.example/?toko.example",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/x",
        "///evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "https:\\\\evil.example",
        "https://toko.example\\@evil.example/",
        "https://toko.example@evil.example/",
        "https://user@toko.example/",
        "https://evil.example\\.toko.example/",
        "/\tevil.example",
        "ftp://toko.example/file",
        "",
    ],
)
def test_other_deep_links_are_ignored(client, code, to):
    response = client.get(f"/r/{code}", params={"to": to})
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{DESTINATION}?via={code}&tular_click="), location
    assert Click.objects.count() == 1


def test_unknown_code_is_django_404_page(client, participant):
    response = client.get("/r/TIDAKADA")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "x-frame-options" in response.headers  # Django's stack rendered it
    assert Click.objects.count() == 0


@pytest.mark.parametrize("path", ["/r/", "/r/A/B", "/r/" + "A" * 40])
def test_odd_paths_are_not_redirects(client, participant, path):
    response = client.get(path)
    assert response.status_code == 404
    assert Click.objects.count() == 0


def test_post_is_405(client, code):
    response = client.post(f"/r/{code}")
    assert response.status_code == 405


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_other_methods_are_refused_and_not_counted(client, code, method):
    response = client.request(method, f"/r/{code}")
    assert response.status_code == 405
    assert "location" not in response.headers
    assert Click.objects.count() == 0


def without_click(location: str) -> str:
    parts = urlsplit(location)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "tular_click"]
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.mark.parametrize(
    "query", ["", "?to=/promo/gajian", "?to=https://toko.example/produk?warna=merah#ulasan"]
)
def test_head_shows_the_location_of_get_without_counting_a_click(client, code, query):
    # when a link checker asks first, then a visitor follows the link
    head = client.head(f"/r/{code}{query}")
    assert Click.objects.count() == 0
    get = client.get(f"/r/{code}{query}")
    # then HEAD showed where GET went: the same Location, only without a click id
    assert head.status_code == get.status_code == 302
    assert head.headers["location"] == without_click(get.headers["location"])
    assert "tular_click" not in head.headers["location"]
    assert f"via={code}" in head.headers["location"]
    # and it recorded nothing and set no cookie; GET recorded its one click
    assert "set-cookie" not in head.headers
    assert head.headers["cache-control"] == "no-store"
    assert Click.objects.count() == 1


def test_head_through_django_matches_the_fast_path(client, code):
    # the Django view (test Client) answers HEAD with the same builder as the fast path
    from django.test import Client

    through_django = Client().head(f"/r/{code}?to=/promo")
    fast = client.head(f"/r/{code}?to=/promo")
    assert through_django.status_code == fast.status_code == 302
    assert through_django["Location"] == fast.headers["location"]
    assert not through_django.cookies
    assert Click.objects.count() == 0


def test_other_paths_go_to_django(client, db):
    assert client.get("/healthz").status_code == 200


def test_secure_cookie_when_request_is_https(db, participant):
    transport = httpx.WSGITransport(app=keeping_test_connection)
    with httpx.Client(transport=transport, base_url="https://ref.toko.example") as client:
        response = client.get(f"/r/{participant['code']}")
    assert response.status_code == 302
    assert response.headers["set-cookie"].endswith("; SameSite=Lax; Secure")


# ---------------------------------------------------------------- location_for


def reference_location(url: str, code: str, click_id: uuid.UUID) -> str:
    """The location as first specified: the URL's query minus via/tular_click, then both."""
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in {"via", "tular_click"}
    ]
    query += [("via", code), ("tular_click", str(click_id))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


@pytest.mark.parametrize(
    "destination",
    [
        "https://toko.example/daftar",
        "https://toko.example",
        "https://toko.example/",
        "https://toko.example/daftar?ref=1&via=old&tular_click=old&x=",
        "https://toko.example/daftar?q=a+b&r=%2F#harga",
        "https://toko.example:8443/daftar#",
        "http://toko.example/d?a=1&a=2#frag?x",
    ],
)
def test_location_is_the_destination_with_via_and_click(destination):
    target = redirect.LinkTarget(
        participant_id=uuid.uuid4(),
        program_id=uuid.uuid4(),
        workspace_id=1,
        code="ANDI-10_X",
        destination_url=destination,
        allowed_hosts=(),
        window_days=30,
    )
    click_id = uuid.uuid4()
    expected = reference_location(destination, target.code, click_id)
    assert redirect.location_for(target, click_id=click_id) == expected
    assert redirect.location_for(target, click_id=click_id, to="/baru?a=1") == reference_location(
        urlunsplit((*urlsplit(destination)[:2], "/baru", "a=1", "")), target.code, click_id
    )
