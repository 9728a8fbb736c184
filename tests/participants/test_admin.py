"""Story: a superuser corrects a participant in Django's admin; the change is validated and
saved as PATCH /participants/{id} does it (the normalised e-mail follows the e-mail)."""

from tests.helpers import PARTICIPANT_BODY
from tular.participants.models import Participant


def form_data(participant: Participant, **changes) -> dict:
    data = {
        "name": participant.name,
        "email": participant.email,
        "locale": participant.locale,
        "kind": participant.kind,
        "external_id": participant.external_id or "",
        "code": participant.code,
    }
    return {**data, **changes}


def url(participant) -> str:
    return f"/admin/participants/participant/{participant.pk}/change/"


def test_a_new_email_is_stored_normalised(admin_client, participant):
    row = Participant.objects.get(pk=participant["id"])
    response = admin_client.post(url(row), form_data(row, email="Andi.Baru@Example.COM"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    row.refresh_from_db()
    assert (row.email, row.email_normalised) == ("Andi.Baru@Example.COM", "andi.baru@example.com")


def test_a_chosen_code_is_normalised_and_a_taken_one_refused(admin_client, api, participant):
    other = api.post(
        "/api/v1/participants", {**PARTICIPANT_BODY, "external_id": "c2", "code": "PROMO10"}
    )
    assert other.status_code == 201
    row = Participant.objects.get(pk=participant["id"])
    response = admin_client.post(url(row), form_data(row, code="promo10"))
    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors
    assert admin_client.post(url(row), form_data(row, code="andi-10")).status_code == 302
    assert Participant.objects.get(pk=row.pk).code == "ANDI-10"


def test_an_invalid_email_is_shown_beside_the_field_and_changes_nothing(admin_client, participant):
    row = Participant.objects.get(pk=participant["id"])
    response = admin_client.post(url(row), form_data(row, email="andi@", name="Diubah"))
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert Participant.objects.get(pk=row.pk).name == "Andi"


def test_participants_are_not_added_in_the_admin(admin_client, participant):
    assert admin_client.get("/admin/participants/participant/add/").status_code == 403
    assert admin_client.get("/admin/participants/participant/").status_code == 200
