"""A partner's organisation profile and its members."""

import pytest

from tular.core.errors import Conflict, FieldConflict, Invalid
from tular.messaging.models import OutboundEmail
from tular.participants.models import MagicLink
from tular.participants.services import participant_enrol
from tular.partners.models import PartnerProfile
from tular.partners.profiles import member_add, member_invite, member_remove, partner_profile_save


def test_the_profile_is_stored_clean(partner):
    profile = PartnerProfile.objects.get(participant=partner)
    assert profile.website == "https://mitra.example" and profile.country == "ID"
    again = partner_profile_save(participant=partner, legal_name="PT Baru", partner_type="service")
    assert again.pk == profile.pk and again.legal_name == "PT Baru" and again.website == ""


def test_only_partners_have_a_profile(reseller_program):
    customer, _ = participant_enrol(
        program=reseller_program, email="c@pelanggan.example", kind="customer"
    )
    with pytest.raises(Invalid):
        partner_profile_save(participant=customer, legal_name="X", partner_type="reseller")


def test_members_several_one_address_once_last_owner_stays(partner):
    profile = partner.partner_profile
    owner = member_add(profile=profile, name="Rina", email="owner@mitra.example", role="owner")
    member_add(profile=profile, name="Dedi", email="dedi@mitra.example")
    assert profile.members.count() == 2
    with pytest.raises(FieldConflict):
        member_add(profile=profile, name="Dedi 2", email="DEDI@mitra.example")
    with pytest.raises(Invalid):
        member_add(profile=profile, name="X", email="x@mitra.example", role="admin")
    with pytest.raises(Conflict):
        member_remove(member=owner)


def test_every_member_is_invited_to_the_portal_at_their_own_address(partner):
    profile = partner.partner_profile
    owner = member_add(profile=profile, name="Rina", email="owner@mitra.example", role="owner")
    other = member_add(profile=profile, name="Dedi", email="dedi@mitra.example")
    member_invite(member=owner, base_url="http://testserver")
    owner.refresh_from_db()
    assert owner.invited_at is not None
    assert OutboundEmail.objects.get(kind="portal_invitation").to == "owner@mitra.example"
    member_invite(member=other, base_url="http://testserver")
    mail = OutboundEmail.objects.get(kind="portal_invitation", to="dedi@mitra.example")
    assert "Dedi" in mail.body_text
    assert MagicLink.objects.filter(email_normalised="dedi@mitra.example").count() == 1
