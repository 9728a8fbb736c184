"""The demo's pipeline of submitted leads: resellers and professionals refer companies, the
team works them at the pace a real team does, and a few are late so the queue has work.

Every lead goes through the pipeline's own use cases (`referral_submit`, `referral_move`) at
the moment it happened (the clock is set back for each step), so the history, the rewards of
`qualified` and `won` and the referrer's messages are what the product itself makes.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from tular.core import clock
from tular.participants.models import Participant
from tular.referrals.pipeline import referral_assign, referral_move, referral_submit
from tular.workspaces.audit import Actor

# (program, referrer index, hours ago submitted, lead name, company, e-mail, heard from,
#  steps: (status, hours after submission, reason), deal value in rupiah, owned by the manager)
LEADS = [
    (
        "mitra-reseller",
        0,
        2,
        "Hendra Gunawan",
        "CV Sinar Abadi",
        "hendra@sinarabadi.co.id",
        "Rekomendasi mitra",
        [],
        None,
        False,
    ),
    (
        "mitra-reseller",
        1,
        30,
        "Yuliana Sari",
        "PT Kopi Nusantara",
        "yuliana@kopinusantara.co.id",
        "Rekomendasi mitra",
        [],
        None,
        True,
    ),
    (
        "jaringan-profesional",
        0,
        9,
        "Robert Tanoto",
        "Kantor Notaris Tanoto",
        "robert@notaristanoto.id",
        "Acara komunitas",
        [],
        None,
        False,
    ),
    (
        "mitra-reseller",
        2,
        72,
        "Agus Salim",
        "UD Makmur Jaya",
        "agus@makmurjaya.co.id",
        "Rekomendasi mitra",
        [("acknowledged", 5, "")],
        None,
        True,
    ),
    (
        "jaringan-profesional",
        1,
        40,
        "Maria Lestari",
        "Lestari & Rekan",
        "maria@lestarirekan.co.id",
        "LinkedIn",
        [("acknowledged", 3, "")],
        None,
        True,
    ),
    (
        "mitra-reseller",
        3,
        120,
        "Fajar Nugroho",
        "PT Bumi Logistik",
        "fajar@bumilogistik.co.id",
        "Pameran dagang",
        [("acknowledged", 4, ""), ("contacted", 20, "")],
        None,
        True,
    ),
    (
        "mitra-reseller",
        4,
        200,
        "Dewi Anggraini",
        "PT Rasa Prima",
        "dewi@rasaprima.co.id",
        "Rekomendasi mitra",
        [("acknowledged", 2, ""), ("contacted", 26, ""), ("qualified", 100, "")],
        45_000_000,
        True,
    ),
    (
        "jaringan-profesional",
        2,
        260,
        "Stefanus Wijaya",
        "KAP Wijaya",
        "stefanus@kapwijaya.co.id",
        "Rekan sejawat",
        [("acknowledged", 6, ""), ("contacted", 30, ""), ("qualified", 150, "")],
        None,
        True,
    ),
    (
        "mitra-reseller",
        5,
        400,
        "Rudi Hartono",
        "PT Sentosa Retail",
        "rudi@sentosaretail.co.id",
        "Rekomendasi mitra",
        [
            ("acknowledged", 1, ""),
            ("contacted", 12, ""),
            ("qualified", 90, ""),
            ("proposal", 200, ""),
        ],
        120_000_000,
        True,
    ),
    (
        "mitra-reseller",
        0,
        700,
        "Lina Kurniawan",
        "PT Aneka Boga",
        "lina@anekaboga.co.id",
        "Rekomendasi mitra",
        [
            ("acknowledged", 2, ""),
            ("contacted", 20, ""),
            ("qualified", 110, ""),
            ("proposal", 260, ""),
            ("won", 520, ""),
        ],
        85_000_000,
        True,
    ),
    (
        "jaringan-profesional",
        3,
        900,
        "Anton Siregar",
        "Siregar Law Office",
        "anton@siregarlaw.id",
        "Rekan sejawat",
        [("acknowledged", 3, ""), ("contacted", 30, ""), ("qualified", 160, ""), ("won", 600, "")],
        60_000_000,
        True,
    ),
    (
        "mitra-reseller",
        6,
        500,
        "Bambang Susilo",
        "Toko Susilo",
        "bambang@tokosusilo.id",
        "Rekomendasi mitra",
        [
            ("acknowledged", 4, ""),
            ("contacted", 40, ""),
            ("lost", 120, "Volume pembelian masih di bawah minimum grosir kami (50 karton/bulan)."),
        ],
        None,
        True,
    ),
    (
        "jaringan-profesional",
        4,
        1500,
        "Indah Permata",
        "PT Permata Konsultan",
        "indah@permatakonsultan.co.id",
        "LinkedIn",
        [
            ("acknowledged", 5, ""),
            ("contacted", 30, ""),
            ("dark", 400, "Tiga kali dihubungi lewat e-mail dan telepon tanpa jawaban."),
        ],
        None,
        True,
    ),
]


def make_leads(*, workspace, programs, manager_email: str, now) -> int:
    """Submit and work the demo's leads; returns how many."""
    manager = get_user_model()._default_manager.filter(email=manager_email).first()
    team = Actor.for_user(manager) if manager else Actor.system("tular up --demo")
    made = 0
    for slug, index, hours_ago, name, company, email, heard, steps, rupiah, owned in LEADS:
        program = programs[slug]
        referrers = list(Participant.objects.filter(program=program).order_by("created_at", "pk"))
        if not referrers:
            continue
        referrer = referrers[index % len(referrers)]
        submitted = now - timedelta(hours=hours_ago)
        with clock.frozen(submitted):
            referral = referral_submit(
                referrer=referrer,
                name=name,
                email=email,
                company=company,
                heard_from=heard,
                consent=True,
                intake="portal" if made % 2 else "form",
            )
            if owned and manager is not None:
                referral_assign(referral=referral, owner=manager, actor=team)
        for status, after_hours, reason in steps:
            with clock.frozen(submitted + timedelta(hours=after_hours)):
                referral_move(
                    referral=referral,
                    status=status,
                    reason=reason,
                    deal_value=rupiah * 100 if rupiah and status in ("proposal", "won") else None,
                    actor=team,
                )
        made += 1
    return made
