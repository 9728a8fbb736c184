"""Story: an integrator sends every kind of wrong body; each is refused as a problem, nothing is
written, and nothing is ever a 500.

Unparsable JSON is a 400 problem; anything parsable but wrong is a 422 problem with
`errors: [{loc, msg}]` whose `loc` points into the body.
"""

import copy
import json

import pytest

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY, assert_problem
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.tracking.models import Click

CODE = "{code}"  # replaced by the enrolled participant's code

VALID = {
    "/api/v1/programs": {**PROGRAM_BODY, "slug": "baru"},
    "/api/v1/participants": {**PARTICIPANT_BODY, "external_id": "cust_99"},
    "/api/v1/track/click": {"code": CODE, "landing_url": "https://toko.example/", "referrer": ""},
}
ENDPOINTS = list(VALID)


def rows():
    return (Program.objects.count(), Participant.objects.count(), Click.objects.count())


def with_code(body, code):
    text = json.dumps(body).replace(CODE, code)
    return text


@pytest.fixture
def send(api, participant):
    """Post a body (a dict, or raw text) and check that no row was written."""

    def _send(path, body=None, *, raw=None):
        before = rows()
        text = raw if raw is not None else with_code(body, participant["code"])
        response = api.post(path, raw=text)
        after = rows()
        return response, before, after

    return _send


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_valid_bodies_used_below_really_are_valid(send, path):
    # A control: each refusal below differs from a body that is accepted by one fault only.
    response, before, after = send(path, VALID[path])
    assert response.status_code == 201, response.content
    assert after != before


# -- the body as a whole -------------------------------------------------------------------

UNPARSABLE = {
    "truncated": '{"slug": "baru"',
    "single quotes": "{'slug': 'baru'}",
    "trailing comma": '{"slug": "baru",}',
    "not json": "slug=baru",
    "bare word": "hello",
    "invalid utf-8": b'{"name": "\xff\xfe"}',
}


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("raw", UNPARSABLE.values(), ids=UNPARSABLE.keys())
def test_unparsable_json_is_a_400_problem(send, path, raw):
    response, before, after = send(path, raw=raw)
    problem = assert_problem(response, 400)
    assert "JSON" in problem["detail"]
    assert after == before


NOT_AN_OBJECT = {
    "empty body": "",
    "array": "[]",
    "array of the valid body": "[{}]",
    "null": "null",
    "string": '"pelanggan"',
    "number": "42",
    "true": "true",
    "empty object": "{}",
}


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("raw", NOT_AN_OBJECT.values(), ids=NOT_AN_OBJECT.keys())
def test_a_body_that_is_not_the_expected_object_is_a_422_problem(send, path, raw):
    response, before, after = send(path, raw=raw)
    problem = assert_problem(response, 422)
    assert all(error["loc"][0] == "body" for error in problem["errors"])
    assert after == before


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("extra", ["unexpected", "id", "workspace", "created_at"])
def test_an_unexpected_field_is_refused(send, path, extra):
    response, before, after = send(path, {**VALID[path], extra: "x"})
    problem = assert_problem(response, 422)
    assert ["body", extra] in [error["loc"] for error in problem["errors"]]
    assert after == before


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_nul_character_anywhere_is_a_422_not_a_database_error(send, path):
    body = {key: value for key, value in VALID[path].items()}
    text_fields = [k for k, v in body.items() if isinstance(v, str) and v and k != "code"]
    for field in text_fields:
        response, before, after = send(path, {**body, field: body[field] + "\x00"})
        assert_problem(response, 422)
        assert after == before


# -- one field at a time -----------------------------------------------------------------


def program(**changes):
    body = copy.deepcopy(VALID["/api/v1/programs"])
    body.update(changes)
    return body


def without(path, field):
    return {k: v for k, v in VALID[path].items() if k != field}


def first_rule(**changes):
    rules = copy.deepcopy(PROGRAM_BODY["rules"])
    rules[1].update(changes)  # the fixed signup rule
    return program(rules=rules)


P, PA, C = "/api/v1/programs", "/api/v1/participants", "/api/v1/track/click"

FIELD_CASES = {
    # programs: missing
    **{
        f"program without {f}": (P, without(P, f), f)
        for f in ("slug", "name", "kind", "currency", "destination_url")
    },
    # programs: wrong types
    "program slug as integer": (P, program(slug=123), "slug"),
    "program name as integer": (P, program(name=5), "name"),
    "program name as list": (P, program(name=["Ajak"]), "name"),
    "program kind as integer": (P, program(kind=1), "kind"),
    "program hold_days as string": (P, program(hold_days="14"), "hold_days"),
    "program hold_days as float": (P, program(hold_days=5.5), "hold_days"),
    "program hold_days as boolean": (P, program(hold_days=True), "hold_days"),
    "program hold_days null": (P, program(hold_days=None), "hold_days"),
    "program auto_approve_below as float": (
        P,
        program(auto_approve_below=5.5),
        "auto_approve_below",
    ),
    "program auto_approve_below as string": (
        P,
        program(auto_approve_below="750000000"),
        "auto_approve_below",
    ),
    "program monetary flag as string false": (
        P,
        program(monetary_rewards_allowed="false"),
        "monetary_rewards_allowed",
    ),
    "program monetary flag as string true": (
        P,
        program(monetary_rewards_allowed="true"),
        "monetary_rewards_allowed",
    ),
    "program monetary flag as 0": (
        P,
        program(monetary_rewards_allowed=0),
        "monetary_rewards_allowed",
    ),
    "program monetary flag null": (
        P,
        program(monetary_rewards_allowed=None),
        "monetary_rewards_allowed",
    ),
    "program allowed_hosts as string": (P, program(allowed_hosts="toko.example"), "allowed_hosts"),
    "program allowed_hosts with a number": (P, program(allowed_hosts=[5]), "allowed_hosts"),
    "program allowed_hosts with a URL": (
        P,
        program(allowed_hosts=["https://toko.example/"]),
        "allowed_hosts",
    ),
    "program attribution as string": (P, program(attribution="last_touch"), "attribution"),
    "program window as float": (
        P,
        program(attribution={"model": "linear", "window_days": 30.5}),
        "window_days",
    ),
    # programs: enums
    "program unknown kind": (P, program(kind="franchise"), "kind"),
    "program unknown attribution model": (P, program(attribution={"model": "random"}), "model"),
    # programs: currency
    "program currency XYZ": (P, program(currency="XYZ"), "currency"),
    "program currency lowercase": (P, program(currency="idr"), "currency"),
    "program currency of four letters": (P, program(currency="IDRR"), "currency"),
    "program currency as number": (P, program(currency=360), "currency"),
    "program currency empty": (P, program(currency=""), "currency"),
    # programs: amounts
    "rule amount negative": (P, first_rule(amount=-5000000), "amount"),
    "rule amount zero": (P, first_rule(amount=0), "amount"),
    "rule amount 5.5": (P, first_rule(amount=5.5), "amount"),
    "rule amount 5.0": (P, first_rule(amount=5.0), "amount"),
    "rule amount as string": (P, first_rule(amount="5000000"), "amount"),
    "rule amount as boolean": (P, first_rule(amount=True), "amount"),
    "rule amount huge": (P, first_rule(amount=10**30), "amount"),
    "program negative hold_days": (P, program(hold_days=-1), "hold_days"),
    "program negative auto_approve_below": (
        P,
        program(auto_approve_below=-1),
        "auto_approve_below",
    ),
    # programs: sizes and formats
    "program slug of 100": (P, program(slug="x" * 100), "slug"),
    "program slug with capitals": (P, program(slug="Baru"), "slug"),
    "program slug with spaces": (P, program(slug="baru sekali"), "slug"),
    "program slug empty": (P, program(slug=""), "slug"),
    "program name of 10k": (P, program(name="x" * 10_000), "name"),
    "program name empty": (P, program(name=""), "name"),
    "program name blank": (P, program(name="   "), "name"),
    "program destination not a URL": (
        P,
        program(destination_url="toko.example"),
        "destination_url",
    ),
    "program destination javascript": (
        P,
        program(destination_url="javascript:alert(1)"),
        "destination_url",
    ),
    "program destination ftp": (
        P,
        program(destination_url="ftp://toko.example/"),
        "destination_url",
    ),
    "program destination oversize": (
        P,
        program(destination_url="https://toko.example/" + "a" * 3000),
        "destination_url",
    ),
    "program too many allowed_hosts": (
        P,
        program(allowed_hosts=[f"h{n}.example" for n in range(51)]),
        "allowed_hosts",
    ),
    # participants: missing
    "participant without program": (PA, without(PA, "program"), "program"),
    "participant without email": (PA, without(PA, "email"), "email"),
    # participants: wrong types
    "participant program as integer": (PA, {**VALID[PA], "program": 5}, "program"),
    "participant email as integer": (PA, {**VALID[PA], "email": 5}, "email"),
    "participant email as boolean": (PA, {**VALID[PA], "email": True}, "email"),
    "participant external_id as integer": (PA, {**VALID[PA], "external_id": 42}, "external_id"),
    "participant name as integer": (PA, {**VALID[PA], "name": 5}, "name"),
    "participant name null": (PA, {**VALID[PA], "name": None}, "name"),
    "participant locale as integer": (PA, {**VALID[PA], "locale": 1}, "locale"),
    "participant code as integer": (PA, {**VALID[PA], "code": 1234}, "code"),
    # participants: enums and values
    "participant unknown kind": (PA, {**VALID[PA], "kind": "boss"}, "kind"),
    "participant unknown locale": (PA, {**VALID[PA], "locale": "fr"}, "locale"),
    "participant bad email": (PA, {**VALID[PA], "email": "andi.example.com"}, "email"),
    "participant empty email": (PA, {**VALID[PA], "email": ""}, "email"),
    "participant email of 300": (PA, {**VALID[PA], "email": "a" * 288 + "@example.com"}, "email"),
    "participant name of 10k": (PA, {**VALID[PA], "name": "x" * 10_000}, "name"),
    "participant external_id empty": (PA, {**VALID[PA], "external_id": ""}, "external_id"),
    "participant external_id of 201": (PA, {**VALID[PA], "external_id": "x" * 201}, "external_id"),
    "participant program slug of 100": (PA, {**VALID[PA], "program": "x" * 100}, "program"),
    # track/click
    "click without code": (C, without(C, "code"), "code"),
    "click code as integer": (C, {**VALID[C], "code": 1234567}, "code"),
    "click code null": (C, {**VALID[C], "code": None}, "code"),
    "click code empty": (C, {**VALID[C], "code": ""}, "code"),
    "click code of 33": (C, {**VALID[C], "code": "X" * 33}, "code"),
    "click landing_url as integer": (C, {**VALID[C], "landing_url": 5}, "landing_url"),
    "click landing_url oversize": (C, {**VALID[C], "landing_url": "x" * 2001}, "landing_url"),
    "click referrer as object": (C, {**VALID[C], "referrer": {}}, "referrer"),
}


@pytest.mark.parametrize(("path", "body", "field"), FIELD_CASES.values(), ids=FIELD_CASES.keys())
def test_a_wrong_field_is_a_422_problem_pointing_at_it_and_nothing_is_written(
    send, path, body, field
):
    # when
    response, before, after = send(path, body)
    # then
    problem = assert_problem(response, 422)
    where = [str(part) for error in problem["errors"] for part in error["loc"]]
    assert field in where, problem["errors"]
    assert all(error["loc"][0] == "body" for error in problem["errors"])
    assert field in problem["detail"] or problem["errors"][0]["msg"] in problem["detail"]
    assert after == before
    assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_form_encoded_body_is_not_taken_for_json(api, participant, path):
    before = rows()
    response = api.client.post(
        path, data={"slug": "baru"}, headers={"Authorization": f"Bearer {api.key}"}
    )
    assert response.status_code in {400, 415, 422}
    assert_problem(response, response.status_code)
    assert rows() == before


def test_an_oversize_body_is_a_413_problem(api, db):
    before = rows()
    response = api.post("/api/v1/programs", program(name="x" * 3_000_000))
    assert_problem(response, 413)
    assert rows() == before
