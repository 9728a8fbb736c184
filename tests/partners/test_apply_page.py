"""The public application form, /join/{slug}/partner: id/en, CSRF, the errors beside their
fields, the honeypot and the throttle per IP."""

import pytest
from django.test import Client

from tular.partners.applications import program_settings_save
from tular.partners.models import PartnerApplication

URL = "/join/mitra/partner"
FORM = {
    "company": "PT Solusi Digital",
    "website": "solusi.example",
    "country": "id",
    "partner_type": "reseller",
    "contact_name": "Budi",
    "contact_email": "budi@solusi.example",
    "message": "Kami menjual ke UMKM.",
}


def test_the_form_shows_in_indonesian_and_english(client, reseller_program):
    page = client.get(URL, headers={"Accept-Language": "id"})
    assert page.status_code == 200 and "Menjadi mitra" in page.text
    english = Client().get(URL + "?lang=en", follow=True)
    assert "Become a partner" in english.text


def test_an_application_is_stored_and_thanked(client, reseller_program):
    response = client.post(URL, FORM)
    assert response.status_code == 302 and response["Location"].endswith("/partner/thanks")
    application = PartnerApplication.objects.get()
    assert application.company == "PT Solusi Digital" and application.country == "ID"
    assert client.get(response["Location"]).status_code == 200


def test_errors_show_beside_their_field_and_nothing_is_stored(client, reseller_program):
    response = client.post(URL, {**FORM, "country": "XX"})
    assert response.status_code == 422 and "invalid-feedback" in response.text
    assert not PartnerApplication.objects.exists()


def test_a_robot_filling_the_honeypot_is_thanked_and_nothing_is_stored(client, reseller_program):
    response = client.post(URL, {**FORM, "homepage": "http://spam.example"})
    assert response.status_code == 302
    assert not PartnerApplication.objects.exists()


def test_the_form_needs_its_csrf_token(reseller_program):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, FORM).status_code == 403


def test_too_many_tries_from_one_address_are_refused(client, reseller_program):
    for n in range(5):
        client.post(URL, {**FORM, "contact_email": f"x{n}@solusi.example"})
    response = client.post(URL, {**FORM, "contact_email": "last@solusi.example"})
    assert response.status_code == 429
    assert PartnerApplication.objects.count() == 5


@pytest.mark.parametrize("closed", ["settings", "customer"])
def test_no_form_where_applications_are_not_taken(client, reseller_program, program, closed):
    if closed == "settings":
        program_settings_save(program=reseller_program, applications_open=False, auto_approve=False)
        assert client.get(URL).status_code == 404
    else:
        assert client.get(f"/join/{program['slug']}/partner").status_code == 404
