"""/portal/survey/<token>: GET shows the score the link carried, only a POST records it (mail
scanners open links), the answer can be changed; an unknown token is a 404 page."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from tests.analytics.test_survey import paid_reward
from tests.rewards.books import make_participant, make_program
from tular.analytics import survey
from tular.analytics.models import SatisfactionSurvey
from tular.messaging.models import OutboundEmail
from tular.workspaces.services import workspace_get_or_create


@pytest.fixture
def sent(db, frozen_clock):
    frozen_clock.set(datetime(2026, 5, 4, 9, tzinfo=UTC))
    shop = workspace_get_or_create(slug="toko", name="Toko Maju")[0]
    program = make_program(shop, slug="pelanggan", name="Teman Toko")
    paid_reward(program, make_participant(program, "Andi"))
    survey.surveys_send()
    email = OutboundEmail.objects.get(template_key="survey.satisfaction")
    links = re.findall(r"https?://[^\s]+/portal/survey/[\w-]+\?score=\d", email.body_text)
    return {"links": [link.split("/portal", 1)[1] for link in links]}


def test_opening_a_link_only_shows_the_choice(sent):
    client = Client()
    response = client.get("/portal" + sent["links"][3])
    assert response.status_code == 200
    page = response.content.decode()
    assert "Seberapa puas Anda dengan program Teman Toko?" in page
    assert re.search(r'value="4"[^>]*checked', page)
    assert not re.search(r'value="3"[^>]*checked', page)
    assert response["Cache-Control"].startswith("max-age=0")
    assert SatisfactionSurvey.objects.get().answered_at is None


def test_a_post_records_the_score_and_comment_and_can_change_it(sent):
    client = Client()
    path = "/portal" + sent["links"][3].split("?")[0]
    response = client.post(path, {"score": "4", "comment": "Pembayarannya cepat"})
    assert response.status_code == 200
    assert "Terima kasih: jawaban Anda sudah disimpan." in response.content.decode()
    answer = SatisfactionSurvey.objects.get()
    assert (answer.score, answer.comment) == (4, "Pembayarannya cepat")
    client.post(path, {"score": "2"})
    answer.refresh_from_db()
    assert (answer.score, answer.comment) == (2, "")
    page = client.get(path).content.decode()
    assert "Jawaban Anda: 2 dari 5" in page and re.search(r'value="2"[^>]*checked', page)


def test_a_bad_score_is_shown_beside_the_choice_and_nothing_changes(sent):
    path = "/portal" + sent["links"][0].split("?")[0]
    response = Client().post(path, {"score": "9", "comment": "x"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="score-error"' in page and "Pilih nilai dari 1 sampai 5." in page
    assert SatisfactionSurvey.objects.get().answered_at is None


def test_an_unknown_token_is_a_404_page(db):
    response = Client().get("/portal/survey/not-a-token?score=5")
    assert response.status_code == 404
    assert "Tautan" in response.content.decode() or "Link" in response.content.decode()
    assert Client().post("/portal/survey/not-a-token", {"score": "5"}).status_code == 404
