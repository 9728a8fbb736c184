"""The satisfaction survey after a reward is paid (R45): at most one per referrer in 90 days,
an e-mail with five one-click links through the outbox, and its summary."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.rewards.books import make_participant, make_program, make_referral, make_sale
from tular.analytics import survey
from tular.analytics.models import SatisfactionSurvey
from tular.core import clock
from tular.core.errors import Invalid
from tular.messaging.models import OutboundEmail
from tular.messaging.unsubscribe import suppress
from tular.rewards.models import Reward
from tular.workspaces.services import workspace_get_or_create

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def shop(db):
    return workspace_get_or_create(slug="toko", name="Toko Maju")[0]


@pytest.fixture
def program(shop):
    return make_program(shop, slug="pelanggan", name="Teman Toko")


def paid_reward(program, referrer, *, at=None) -> Reward:
    """A referrer's sale reward, marked paid at `at` (now by default)."""
    referral = make_referral(program, referrer)
    _sale, rewards = make_sale(referral, 100_000_00)
    reward = next(r for r in rewards if r.recipient == "referrer")
    Reward.objects.filter(pk=reward.pk).update(status="paid", paid_at=at or clock.now())
    reward.refresh_from_db()
    return reward


def test_a_paid_reward_sends_one_survey_with_five_links(program, frozen_clock):
    frozen_clock.set(T0)
    andi = make_participant(program, "Andi")
    reward = paid_reward(program, andi)
    assert survey.surveys_send() == 1
    assert survey.surveys_send() == 0  # twice: still one
    sent = SatisfactionSurvey.objects.get()
    assert (sent.participant, sent.reward, sent.program, sent.score) == (
        andi,
        reward,
        program,
        None,
    )
    email = OutboundEmail.objects.get(template_key="survey.satisfaction")
    assert email.to == andi.email and email.category == "marketing" and email.language == "id"
    assert "Teman Toko" in email.subject
    links = re.findall(r"(/portal/survey/([\w-]+)\?score=([1-5]))", email.body_text)
    assert [score for _url, _token, score in links] == ["1", "2", "3", "4", "5"]
    token = links[0][1]
    assert survey.survey_for_token(token=token) == sent
    assert sent.token_hash == survey.token_hash(token) and token not in sent.token_hash


def test_at_most_one_survey_per_referrer_in_90_days(program, frozen_clock):
    frozen_clock.set(T0)
    andi = make_participant(program, "Andi")
    budi = make_participant(program, "Budi")
    paid_reward(program, andi)
    paid_reward(program, andi)
    paid_reward(program, budi)
    assert survey.surveys_send() == 2
    frozen_clock.advance(days=60)
    paid_reward(program, andi)
    assert survey.surveys_send() == 0
    frozen_clock.advance(days=31)  # 91 days after the first
    paid_reward(program, andi)
    assert survey.surveys_send() == 1
    assert SatisfactionSurvey.objects.filter(participant=andi).count() == 2


def test_not_for_unpaid_old_or_unsubscribed(shop, program, frozen_clock):
    frozen_clock.set(T0)
    andi = make_participant(program, "Andi")
    referral = make_referral(program, andi)
    make_sale(referral, 100_000_00)  # pending, not paid
    budi = make_participant(program, "Budi")
    paid_reward(program, budi, at=T0 - timedelta(days=survey.RECENT_DAYS + 1))
    citra = make_participant(program, "Citra")
    paid_reward(program, citra)
    suppress(workspace=shop, email=citra.email, source="page")
    assert survey.surveys_send() == 0
    assert not OutboundEmail.objects.filter(template_key="survey.satisfaction").exists()


def test_the_survey_is_in_the_referrers_language(program, frozen_clock):
    frozen_clock.set(T0)
    sri = make_participant(program, "Sri")
    sri.locale = "en"
    sri.save(update_fields=["locale"])
    paid_reward(program, sri)
    survey.surveys_send()
    email = OutboundEmail.objects.get(template_key="survey.satisfaction")
    assert email.language == "en" and email.subject.startswith("How satisfied")


def test_an_answer_is_1_to_5_and_can_be_changed(program, frozen_clock):
    frozen_clock.set(T0)
    paid_reward(program, make_participant(program, "Andi"))
    survey.surveys_send()
    sent = SatisfactionSurvey.objects.get()
    for bad in (0, 6, "x", None):
        with pytest.raises(Invalid):
            survey.survey_answer(survey=sent, score=bad)
    sent.refresh_from_db()
    assert sent.answered_at is None
    survey.survey_answer(survey=sent, score="4", comment=" Mudah ")
    survey.survey_answer(survey=sent, score=5)
    sent.refresh_from_db()
    assert (sent.score, sent.comment, sent.answered_at) == (5, "", T0)


def test_the_summary_of_a_period(shop, program, frozen_clock):
    other = make_program(shop, slug="mitra")
    frozen_clock.set(T0)
    people = [make_participant(program, f"P{i}") for i in range(5)]
    people.append(make_participant(other, "Q"))
    for person in people:
        paid_reward(person.program, person)
    survey.surveys_send()
    surveys = {s.participant_id: s for s in SatisfactionSurvey.objects.all()}
    for person, score in zip(people, (5, 4, 4, None, None, 1)):
        if score:
            survey.survey_answer(survey=surveys[person.pk], score=score)
    may = (date(2026, 5, 1), date(2026, 5, 31))
    summary = survey.satisfaction_summary(workspace=shop, program=program, period=may)
    assert (summary.sent, summary.answered, str(summary.average)) == (5, 3, "4.33")
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    assert str(summary.response_rate) == "60.0"
    everything = survey.satisfaction_summary(workspace=shop, period=may)
    assert (everything.sent, everything.answered, str(everything.average)) == (6, 4, "3.50")
    empty = survey.satisfaction_summary(
        workspace=shop, period=(date(2026, 4, 1), date(2026, 4, 30))
    )
    assert (empty.sent, empty.average, empty.response_rate) == (0, None, None)
    assert empty.as_dict()["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}


def test_the_program_tab_previews_the_survey_with_sample_links(program):
    from tular.messaging.catalogue import default_text
    from tular.referrals.notify import template_preview

    subject, body = default_text("survey.satisfaction", "id")
    preview = template_preview(
        program=program, key="survey.satisfaction", language="id", subject=subject, body=body
    )
    assert "/portal/survey/contoh?score=5" in preview.text
    assert "Teman Toko" in preview.subject
