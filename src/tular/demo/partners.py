"""The demo's partner channel (issue 13): the resellers of `mitra-reseller` as organisations with
profiles and members, tiers with their rates and the rules that move partners, deal
registrations in every state (one won with its commission at the tier's rate, one refused as a
conflict, one overdue for review), applications waiting, and touchpoints of other partners and
campaigns on some customers' journeys so the attribution models credit differently.

Everything goes through the services a manager, a partner or the API would call, at the times it
would have happened (`clock.frozen`), so the history, the audit log and the ledger are what real
use leaves behind."""

from __future__ import annotations

from datetime import datetime, timedelta

from tular.core import clock
from tular.deals.services import deal_extend, deal_register, deal_settings_save
from tular.participants.models import Participant
from tular.partners.applications import partner_apply
from tular.partners.models import MemberRole
from tular.partners.profiles import member_add, partner_profile_save
from tular.partners.selectors import partners_of
from tular.partners.tiers import partner_set_tier, tier_create, tier_rule_create
from tular.referrals.deals import deal_close
from tular.referrals.models import Conversion
from tular.tracking.touchpoints import touchpoint_record
from tular.workspaces.audit import Actor

PROGRAM = "mitra-reseller"


def idr(rupiah: int) -> int:
    return rupiah * 100


# name as enrolled in data.PEOPLE → (legal name, type, website, members beyond the owner)
PROFILES = {
    "PT Sinar Nusantara Digital": (
        "PT Sinar Nusantara Digital",
        "reseller",
        "https://sinarnusantara.example",
        [
            ("Rudi Hartono", "rudi@sinarnusantara.example", MemberRole.owner),
            ("Dewi Anggraini", "dewi@sinarnusantara.example", MemberRole.member),
        ],
    ),
    "CV Maju Jaya Elektronik": (
        "CV Maju Jaya Elektronik",
        "reseller",
        "https://majujaya.example",
        [("Lina Kusuma", "lina@majujaya.example", MemberRole.member)],
    ),
    "PT Mitra Solusi Bandung": (
        "PT Mitra Solusi Bandung",
        "service",
        "https://mitrasolusi.example",
        [],
    ),
    "CV Cahaya Timur Makassar": ("CV Cahaya Timur Makassar", "reseller", "", []),
    "Koperasi Karya Mandiri": ("Koperasi Karya Mandiri", "referral", "", []),
}

# partner → tier set by the manager (the others stay Registered until the rules move them)
TIERS_BY_HAND = {
    "PT Sinar Nusantara Digital": ("Emas", "Mitra strategis Jawa Barat sejak peluncuran"),
    "CV Maju Jaya Elektronik": ("Perak", "Target semester pertama tercapai"),
}

# (partner, company, domain, contact, e-mail, value in rupiah, days ago, what happens next)
DEALS = [
    (
        "PT Sinar Nusantara Digital",
        "PT Maju Bersama Logistik",
        "https://www.majubersama.co.id/",
        "Citra Lestari",
        "citra@majubersama.co.id",
        180_000_000,
        40,
        "won",
    ),
    (
        "PT Sinar Nusantara Digital",
        "PT Samudra Retail Indonesia",
        "samudraretail.co.id",
        "Hendra Wijaya",
        "hendra@samudraretail.co.id",
        95_000_000,
        12,
        "approved",
    ),
    (
        "CV Maju Jaya Elektronik",
        "PT Samudra Retail Indonesia",
        "https://toko.samudraretail.co.id/kontak",
        "Hendra Wijaya",
        "hendra.w@samudraretail.co.id",
        90_000_000,
        5,
        "conflict",
    ),
    (
        "CV Maju Jaya Elektronik",
        "Klinik Sehat Sentosa",
        "kliniksehatsentosa.com",
        "dr. Ayu Pratiwi",
        "ayu@kliniksehatsentosa.com",
        42_000_000,
        6,
        "overdue",
    ),
    (
        "PT Mitra Solusi Bandung",
        "PT Kopi Nusantara Jaya",
        "kopinusantara.id",
        "Fajar Nugroho",
        "fajar@kopinusantara.id",
        60_000_000,
        1,
        "pending",
    ),
    (
        "CV Cahaya Timur Makassar",
        "Hotel Pantai Losari",
        "hotelpantailosari.co.id",
        "Andi Makmur",
        "andi@hotelpantailosari.co.id",
        75_000_000,
        30,
        "extended",
    ),
    (
        "CV Maju Jaya Elektronik",
        "PT Bangun Karya Persada",
        "bangunkarya.co.id",
        "Yusuf Hakim",
        "yusuf@bangunkarya.co.id",
        120_000_000,
        50,
        "lost",
    ),
]

QUALIFIED = {"meeting_scheduled": True, "discovery_call": True, "budget_confirmed": True}

APPLICATIONS = [
    ("PT Digital Kreasi Semarang", "Bambang Sutrisno", "bambang@digitalkreasi.example", 3),
    ("Solusi IT Balikpapan", "Maria Fransiska", "maria@solusiit-bpn.example", 30),
]


def make_partner_channel(
    *, workspace, programs: dict, manager, now: datetime, rng
) -> tuple[int, int]:
    """The partner channel of `mitra-reseller`; returns how many deals were registered and how
    many were won (each a referral and a sale)."""
    program = programs[PROGRAM]
    team = Actor.for_user(manager) if manager else Actor.system("tular up --demo")
    everyone = list(partners_of(program=program).order_by("created_at", "pk"))
    partners = {}
    for participant in everyone:
        partners.setdefault(participant.name, participant)
    started = now - timedelta(days=60)
    with clock.frozen(started):
        tiers = {
            "Terdaftar": tier_create(program=program, name="Terdaftar", rank=0, actor=team),
            "Perak": tier_create(program=program, name="Perak", rank=1, rate="25", actor=team),
            "Emas": tier_create(program=program, name="Emas", rank=2, rate="30", actor=team),
        }
        tier_rule_create(tier=tiers["Perak"], min_revenue=idr(50_000_000), actor=team)
        tier_rule_create(tier=tiers["Emas"], min_revenue=idr(200_000_000), min_wins=5, actor=team)
        deal_settings_save(
            program=program,
            protection_days=90,
            review_working_days=2,
            auto_approve=True,
            actor=team,
        )
        for name, (legal, kind, website, members) in PROFILES.items():
            partner = partners.get(name)
            if partner is None:
                continue
            profile = partner_profile_save(
                participant=partner, legal_name=legal, partner_type=kind, website=website
            )
            for member_name, email, role in members:
                member_add(profile=profile, name=member_name, email=email, role=role)
        for partner in everyone:
            if partner.tier_id is None:
                partner_set_tier(participant=partner, tier=tiers["Terdaftar"], source="rule")
    with clock.frozen(started + timedelta(days=2)):
        for name, (tier, reason) in TIERS_BY_HAND.items():
            if name in partners:
                partner_set_tier(
                    participant=partners[name], tier=tiers[tier], reason=reason, actor=team
                )
    made, won = _deals(program=program, partners=partners, team=team, now=now)
    for company, contact, email, days_ago in APPLICATIONS:
        with clock.frozen(now - timedelta(days=days_ago, hours=rng.randint(1, 9))):
            partner_apply(
                program=program,
                company=company,
                contact_name=contact,
                contact_email=email,
                partner_type="reseller",
                website=f"https://{email.split('@')[1]}",
                message="Kami ingin menjual paket Toko Andalan ke pelanggan UMKM kami.",
            )
    _journeys(program=program, partners=list(partners.values()), now=now, rng=rng)
    return made, won


def _deals(*, program, partners: dict, team: Actor, now: datetime) -> tuple[int, int]:
    made = won = 0
    for partner_name, company, domain, contact, email, rupiah, days_ago, fate in DEALS:
        partner = partners.get(partner_name)
        if partner is None:
            continue
        at = now - timedelta(days=days_ago)
        by_partner = Actor(label=f"{partner.name} (portal)")
        with clock.frozen(at):
            registered = deal_register(
                program=program,
                partner=partner,
                company=company,
                domain=domain,
                contact_name=contact,
                contact_email=email,
                estimated_value=idr(rupiah),
                currency="IDR",
                qualification={} if fate in ("overdue", "pending") else QUALIFIED,
                actor=by_partner,
            )
        made += 1
        deal = registered.deal
        if fate == "won":
            with clock.frozen(at + timedelta(days=30)):
                deal_close(
                    deal=deal,
                    status="won",
                    value=idr(rupiah - 10_000_000),
                    reason="Kontrak 12 bulan ditandatangani",
                    actor=team,
                )
            won += 1
        elif fate == "lost":
            with clock.frozen(at + timedelta(days=20)):
                deal_close(deal=deal, status="lost", reason="Memilih vendor lain", actor=team)
        elif fate == "extended":
            with clock.frozen(at + timedelta(days=25)):
                deal_extend(deal=deal, days=30, reason="Menunggu anggaran kuartal", actor=team)
    return made, won


def _journeys(*, program, partners: list[Participant], now: datetime, rng) -> None:
    """Other partners' and campaigns' touches before some customers' first sale: a webinar
    co-hosted by a partner, a partner's demo, a paid campaign, so first touch, last touch,
    linear, time decay and position based credit them differently."""
    sales = (
        Conversion.objects.filter(
            program=program, kind="sale", occurred_at__gte=now - timedelta(days=75)
        )
        .select_related("referral")
        .order_by("occurred_at")
    )
    seen = set()
    for sale in sales:
        customer = sale.referral.customer_external_id
        if not customer or customer in seen or len(seen) >= 24:
            continue
        seen.add(customer)
        others = [p for p in partners if p.pk != sale.referral.participant_id]
        touches = [
            ("partner", rng.choice(others), rng.randint(10, 40)),
            ("campaign", None, rng.randint(2, 9)),
        ]
        if len(seen) % 2:
            touches.append(("partner", rng.choice(others), rng.randint(0, 2)))
        for kind, partner, days_before in touches:
            at = sale.occurred_at - timedelta(days=days_before, hours=rng.randint(1, 20))
            touchpoint_record(
                workspace=program.workspace,
                program=program,
                customer_external_id=customer,
                kind=kind,
                participant_id=str(partner.pk) if partner else None,
                campaign="" if partner else rng.choice(["google-ads-umkm", "newsletter-okt"]),
                occurred_at=at,
            )
