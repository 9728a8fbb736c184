"""Message templates: every default renders in every language, a manager's text is saved only
when it renders (through the service, the API and the console), and reset goes back to the
default."""

import pytest

from tests.helpers import assert_problem
from tular.core.errors import Invalid
from tular.messaging import catalogue
from tular.messaging.models import MessageTemplate
from tular.messaging.templating import (
    template_check,
    template_fill,
    template_for,
    template_reset,
    template_save,
    templates_of,
)
from tular.programs.models import Program

EVERY_FIELD = {name: f"«{name}»" for name in catalogue.MERGE_FIELDS}
# The seeds' own wording, one sentence each, in both languages (R39).
SEED_SENTENCES = {
    ("ask.current_customer", "id"): "Saya ingin sekali membantu kenalan Anda untuk mencapai hasil",
    ("ask.current_customer", "en"): "I'd love to help the people you know achieve the same",
    ("ask.promo_code", "id"): "Apakah Anda memiliki seseorang yang mungkin ingin memanfaatkan",
    (
        "ask.long_time_customer",
        "id",
    ): "Saya harap beberapa bulan terakhir Anda berjalan dengan baik",
    ("ask.thanks_long_time_customer", "id"): "membagikan nama saya kepada seseorang yang Anda",
    ("ask.one_time_customer", "id"): "jangan ragu untuk menghubungi saya",
    ("script.specific_ask", "id"): "menghadapi tantangan yang sama yang kami bantu Anda selesaikan",
    ("script.specific_ask", "en"): "facing the same challenges we helped you solve",
    ("script.open_ask", "en"): "could benefit from the kind of work we've done together",
    ("script.reciprocal_ask", "id"): "Apakah ada perkenalan yang bisa saya buat untuk Anda?",
    (
        "script.one_liner",
        "en",
    ): "You should talk to «sender_name» at «company». They helped us solve",
    ("script.one_liner", "id"): "Anda harus berbicara dengan «sender_name» di «company».",
    ("script.intro_email", "en"): "you make the introduction, and we take it from there",
    ("pipeline.submitted", "en"): "We'll review it within «acknowledge_hours» hours",
    ("pipeline.submitted", "id"): "dalam «acknowledge_hours» jam",
    ("pipeline.qualified", "en"): "Your referral is now a qualified lead",
    ("pipeline.lost", "id"): "Yang ini tidak cukup tepat, tetapi saya benar-benar menghargai",
    ("pipeline.lost", "en"): "This one wasn't quite the right fit",
    ("pipeline.dark", "en"): "I reached out to «lead_name» several times but haven't heard back.",
    ("pipeline.dark", "id"): "Saya menghubungi «lead_name» beberapa kali",
    ("pipeline.won", "en"): "Your reward: «reward_amount». «reward_expected»",
}


def test_the_catalogue_has_the_seeds_scenarios_scripts_and_every_pipeline_step():
    assert set(catalogue.KEYS) == {
        *(f"pipeline.{s}" for s in ("submitted", "acknowledged", "contacted", "qualified")),
        *(f"pipeline.{s}" for s in ("proposal", "won", "lost", "dark", "reopened", "quiet")),
        "ask.current_customer",
        "ask.promo_code",
        "ask.long_time_customer",
        "ask.thanks_long_time_customer",
        "ask.one_time_customer",
        "script.specific_ask",
        "script.open_ask",
        "script.reciprocal_ask",
        "script.one_liner",
        "script.intro_email",
        "survey.satisfaction",
    }
    assert catalogue.pipeline_key("won") == "pipeline.won"
    assert catalogue.pipeline_key("won", reopened=True) == "pipeline.reopened"
    assert catalogue.pipeline_key("active") is None


@pytest.mark.parametrize("language", catalogue.LANGUAGES)
@pytest.mark.parametrize("key", catalogue.KEYS)
def test_every_default_checks_and_renders_with_every_field_and_with_none(key, language):
    subject, body = catalogue.default_text(key, language)
    template_check(key=key, subject=subject, body=body)
    full = template_fill(subject=subject, body=body, context=EVERY_FIELD)
    assert full.subject and "\n" not in full.subject
    assert "{" not in full.subject + full.text and "%" not in full.text
    assert "\n\n\n" not in full.text
    assert "«sender_name»" in full.text  # every message is signed
    empty = template_fill(subject=subject, body=body, context={})
    assert empty.text.strip()
    if (key, language) in SEED_SENTENCES:
        assert SEED_SENTENCES[key, language] in full.text


def test_the_languages_differ_and_each_is_complete():
    for key in catalogue.KEYS:
        assert catalogue.default_text(key, "id") != catalogue.default_text(key, "en")


@pytest.mark.parametrize(
    ("subject", "body", "loc", "said"),
    [
        ("Hai", "{{ nama }}", "body", "{{ nama }} is not a merge field of this message"),
        ("{{ lead_name }}", "x", "subject", "{{ lead_name }} is not a merge field"),
        ("Hai", "{% load static %}", "body", "the tag {% load %} is not allowed"),
        ("Hai", "{% include 'x.html' %}", "body", "the tag {% include %} is not allowed"),
        ("Hai", "{% if reward %}x", "body", "is not closed"),
        ("Hai", "{{ reward.amount }}", "body", "a merge field is a plain text"),
        ("Hai", "{{ reward|safe }}", "body", "The filter |safe is not allowed"),
        ("Hai", "{{ reward|default:nama }}", "body", "{{ nama }} is not a merge field"),
        ("Hai", "{% if nama == 'x' %}y{% endif %}", "body", "{{ nama }} is not a merge field"),
        ("Hai", "Halo {{ referrer_name }", "body", "is not closed"),
        ("Hai", "{% if %}x{% endif %}", "body", "does not render"),
        ("", "x", "subject", "Write a subject."),
        ("Hai", "  ", "body", "Write the message."),
    ],
)
def test_a_text_that_does_not_render_is_refused_and_nothing_is_saved(
    api, program, subject, body, loc, said
):
    program_row = Program.objects.get(pk=program["id"])
    with pytest.raises(Invalid) as refused:
        template_save(
            program=program_row, key="ask.promo_code", language="id", subject=subject, body=body
        )
    assert said in refused.value.detail
    assert refused.value.extra["errors"][0]["loc"] == ["body", loc]
    assert not MessageTemplate.objects.exists()


def test_a_saved_text_is_used_and_reset_brings_the_default_back(api, program):
    program_row = Program.objects.get(pk=program["id"])
    template_save(
        program=program_row,
        key="ask.promo_code",
        language="en",
        subject="Your code {{ promo_code }}",
        body="Hi {{ referrer_name|default:'there' }}, use {{ promo_code }}.",
        by="sari@toko.example",
    )
    chosen = template_for(program=program_row, key="ask.promo_code", language="en")
    assert (chosen.source, chosen.subject) == ("override", "Your code {{ promo_code }}")
    assert template_for(program=program_row, key="ask.promo_code", language="id").source == (
        "default"
    )
    rendered = template_fill(subject=chosen.subject, body=chosen.body, context={"promo_code": "A1"})
    assert rendered.text == "Hi there, use A1.\n"
    [entry] = [
        e
        for e in templates_of(program=program_row)
        if (e.key, e.language) == ("ask.promo_code", "en")
    ]
    assert entry.overridden and entry.updated_by == "sari@toko.example"

    assert template_reset(program=program_row, key="ask.promo_code", language="en") is True
    assert template_for(program=program_row, key="ask.promo_code", language="en").source == (
        "default"
    )
    assert template_reset(program=program_row, key="ask.promo_code", language="en") is False


def test_saving_the_default_as_it_is_keeps_following_the_default(api, program):
    program_row = Program.objects.get(pk=program["id"])
    subject, body = catalogue.default_text("pipeline.won", "id")
    assert (
        template_save(
            program=program_row, key="pipeline.won", language="id", subject=subject, body=body
        )
        is None
    )
    assert not MessageTemplate.objects.exists()


def test_an_unknown_key_or_language_is_refused(api, program):
    program_row = Program.objects.get(pk=program["id"])
    with pytest.raises(Invalid):
        template_save(program=program_row, key="ask.nope", language="id", subject="a", body="b")
    with pytest.raises(Invalid):
        template_save(
            program=program_row, key="ask.promo_code", language="fr", subject="a", body="b"
        )


# ---------------------------------------------------------------- the API


URL = "/api/v1/programs/pelanggan/message-templates"


def test_the_api_lists_every_message_in_both_languages(api, program):
    response = api.get(URL)
    assert response.status_code == 200, response.content
    items = response.json()
    assert len(items) == len(catalogue.KEYS) * 2
    first = items[0]
    assert (first["key"], first["language"], first["overridden"]) == (
        "pipeline.submitted",
        "id",
        False,
    )
    assert "acknowledge_hours" in first["merge_fields"]


def test_the_api_puts_refuses_and_resets(api, program):
    body = {"subject": "Kode {{ promo_code }}", "body": "Pakai {{ promo_code }} ya."}
    response = api.request("PUT", f"{URL}/ask.promo_code/id", body)
    assert response.status_code == 200, response.content
    assert response.json()["overridden"] is True
    assert response.json()["subject"] == "Kode {{ promo_code }}"

    bad = api.request("PUT", f"{URL}/ask.promo_code/id", {"subject": "x", "body": "{{ kode }}"})
    problem = assert_problem(bad, 422)
    assert problem["errors"][0]["loc"] == ["body", "body"]
    assert "{{ kode }}" in problem["errors"][0]["msg"]
    assert api.get(f"{URL}/ask.promo_code/id").json()["body"] == "Pakai {{ promo_code }} ya.\n"

    assert api.request("DELETE", f"{URL}/ask.promo_code/id").status_code == 204
    assert api.get(f"{URL}/ask.promo_code/id").json()["overridden"] is False
    assert_problem(api.request("PUT", f"{URL}/ask.nope/id", body), 404)
    assert api.request("PUT", f"{URL}/ask.promo_code/fr", body).status_code == 422
    assert_problem(api.get("/api/v1/programs/nope/message-templates"), 404)


def test_another_workspace_does_not_see_the_programs_templates(api, program, outsider_api):
    assert_problem(outsider_api.get(URL), 404)
