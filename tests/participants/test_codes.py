"""Referral codes: short, unambiguous when read aloud, unique, and drawn again on a collision."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import PARTICIPANT_BODY
from tular.participants import services
from tular.participants.codes import ALPHABET, LENGTH, generate_code, normalise_code
from tular.participants.models import Participant

AMBIGUOUS = set("0O1IL")


def test_the_alphabet_has_no_look_alikes():
    assert not AMBIGUOUS & set(ALPHABET)
    assert "U" not in ALPHABET  # U and V are confused when read aloud
    assert len(set(ALPHABET)) == len(ALPHABET)


@given(length=st.integers(min_value=1, max_value=32))
def test_generated_codes_use_only_the_alphabet_at_the_asked_length(length):
    code = generate_code(length)
    assert len(code) == length
    assert set(code) <= set(ALPHABET)
    assert normalise_code(code) == code  # a generated code is already in its stored form


@given(st.just(None))
def test_generated_codes_have_the_default_length(_):
    assert len(generate_code()) == LENGTH


def test_generated_codes_do_not_repeat_in_practice():
    codes = {generate_code() for _ in range(10_000)}
    assert len(codes) == 10_000


@given(st.text(max_size=40))
def test_normalising_any_text_gives_a_code_shaped_string_or_nothing(raw):
    code = normalise_code(raw)
    assert code == "" or (code == code.upper() and all(c.isalnum() or c in "_-" for c in code))
    assert "\x00" not in code


def test_enrolled_participants_get_distinct_codes_from_the_alphabet(api, program):
    codes = [
        api.post(
            "/api/v1/participants",
            {**PARTICIPANT_BODY, "external_id": f"cust_{n}", "email": f"c{n}@example.com"},
        ).json()["code"]
        for n in range(25)
    ]
    assert len(set(codes)) == 25
    assert all(set(code) <= set(ALPHABET) and len(code) == LENGTH for code in codes)


def test_a_code_collision_is_drawn_again_and_the_participant_gets_a_fresh_code(
    api, participant, monkeypatch
):
    # given the code generator first returns the code Andi already holds
    taken = participant["code"]
    draws = iter([taken, "FRESH23"])
    monkeypatch.setattr(services, "generate_code", lambda: next(draws))
    # when Budi enrols
    response = api.post(
        "/api/v1/participants",
        {**PARTICIPANT_BODY, "external_id": "cust_43", "email": "budi@example.com"},
    )
    # then Budi gets the second draw and Andi keeps his code
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "FRESH23"
    assert Participant.objects.get(external_id="cust_42").code == taken
    assert Participant.objects.count() == 2


def test_endless_collisions_end_in_a_409_not_a_500(api, participant, monkeypatch):
    monkeypatch.setattr(services, "generate_code", lambda: participant["code"])
    response = api.post(
        "/api/v1/participants",
        {**PARTICIPANT_BODY, "external_id": "cust_43", "email": "budi@example.com"},
    )
    assert response.status_code == 409
    assert Participant.objects.count() == 1


@pytest.mark.parametrize("raw", ["andi10", " ANDI10 ", "Andi10"])
def test_codes_are_matched_case_insensitively(raw):
    assert normalise_code(raw) == "ANDI10"
