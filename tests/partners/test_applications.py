"""Applications: apply, approve (enrols the partner with its profile, owner, first tier and a
portal invitation), reject with a reason (e-mailed), in bulk, or automatically."""

import pytest

from tular.core.errors import Conflict, Invalid
from tular.messaging.models import OutboundEmail
from tular.participants.models import Participant
from tular.partners.applications import (
    application_decide,
    applications_decide,
    partner_apply,
    program_settings_save,
)
from tular.partners.models import PartnerApplication, PartnerMember, TierChange
from tular.workspaces.audit import Actor

MANAGER = Actor(label="sari@toko.example")


def apply(program, **fields):
    body = {
        "company": "PT Solusi Digital",
        "contact_name": "Budi Santoso",
        "contact_email": "budi@solusi.example",
        "website": "solusi.example",
        "country": "ID",
        "message": "Kami menjual ke 200 UMKM di Jawa Timur.",
    }
    return partner_apply(program=program, **{**body, **fields})


def test_an_application_waits_for_a_manager(reseller_program):
    application = apply(reseller_program)
    assert application.status == "pending" and application.partner_type == "reseller"
    assert application.website == "https://solusi.example"
    # the same address again while it waits: the same application
    assert apply(reseller_program).pk == application.pk
    assert PartnerApplication.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company", ""),
        ("contact_email", "not-an-address"),
        ("website", "http://"),
        ("country", "XX"),
        ("partner_type", "franchise"),
        ("language", "fr"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(reseller_program, field, value):
    with pytest.raises(Invalid):
        apply(reseller_program, **{field: value})
    assert not PartnerApplication.objects.exists()


def test_a_customer_program_takes_no_applications(program):
    from tular.programs.models import Program

    with pytest.raises(Conflict):
        apply(Program.objects.get(slug=program["slug"]))


def test_closed_applications_are_refused(reseller_program):
    program_settings_save(program=reseller_program, applications_open=False, auto_approve=False)
    with pytest.raises(Conflict):
        apply(reseller_program)


def test_approval_enrols_the_partner_and_invites_it(reseller_program, tiers):
    application = apply(reseller_program, language="en")
    decided = application_decide(application=application, approve=True, actor=MANAGER)
    assert decided.status == "approved" and decided.decided_by == "sari@toko.example"
    partner = Participant.objects.get(pk=decided.participant_id)
    assert partner.kind == "reseller" and partner.email_normalised == "budi@solusi.example"
    assert partner.tier == tiers["Registered"]
    profile = partner.partner_profile
    assert profile.legal_name == "PT Solusi Digital" and profile.country == "ID"
    [owner] = PartnerMember.objects.filter(profile=profile)
    assert owner.role == "owner" and owner.name == "Budi Santoso"
    invitation = OutboundEmail.objects.get(kind="portal_invitation")
    assert invitation.to == "budi@solusi.example" and invitation.language == "en"
    assert TierChange.objects.get(participant=partner).source == "application"
    with pytest.raises(Conflict):  # decided once
        application_decide(application=application, approve=False, reason="x", actor=MANAGER)


def test_rejection_needs_a_reason_and_emails_it(reseller_program):
    application = apply(reseller_program)
    with pytest.raises(Invalid):
        application_decide(application=application, approve=False, actor=MANAGER)
    decided = application_decide(
        application=application, approve=False, reason="Wilayah sudah penuh", actor=MANAGER
    )
    assert decided.status == "rejected" and decided.participant is None
    email = OutboundEmail.objects.get(kind="partner_application_rejected")
    assert email.to == "budi@solusi.example" and "Wilayah sudah penuh" in email.body_text
    assert not Participant.objects.exists()


def test_bulk_decisions_skip_what_was_decided(workspace, reseller_program):
    first = apply(reseller_program)
    second = apply(reseller_program, contact_email="ani@toko.example", company="CV Ani")
    application_decide(application=first, approve=True, actor=MANAGER)
    result = applications_decide(
        workspace=workspace,
        ids=[first.pk, second.pk],
        approve=False,
        reason="Tidak sesuai",
        actor=MANAGER,
    )
    assert [a.pk for a in result.decided] == [second.pk]
    assert [key for key, _why in result.skipped] == [str(first.pk)]


def test_a_program_can_approve_by_itself(reseller_program):
    program_settings_save(program=reseller_program, applications_open=True, auto_approve=True)
    application = apply(reseller_program)
    assert application.status == "approved" and application.decided_by == "auto-approval"
    assert application.participant.partner_profile.legal_name == "PT Solusi Digital"


def test_a_customer_with_the_address_is_not_turned_into_a_partner(reseller_program):
    from tular.participants.services import participant_enrol

    participant_enrol(program=reseller_program, email="budi@solusi.example", kind="customer")
    application = apply(reseller_program)
    with pytest.raises(Conflict):
        application_decide(application=application, approve=True, actor=MANAGER)
    application.refresh_from_db()
    assert application.status == "pending"
