"""Demo data for `tular up --demo`: an Indonesian shop, Toko Andalan, running five programs.

Everything goes through the same services as the API (`program_create` with a validated
`ProgramIn`, `participant_enrol`), so the demo rules are real configuration. Clicks are made up
from a fixed seed: participants share their link now and then (more often lately, more on
weekdays and around payday), each share brings a burst of visits over the next hours, a few
referrers are very active and most are not. Loading twice adds nothing.

Referrals, conversions and rewards arrive with the conversion tracking; until then the demo
stops at clicks.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from django.db import transaction

from tular.api.schemas import ProgramIn
from tular.core import clock
from tular.core.errors import Conflict
from tular.core.ids import new_uuid7
from tular.participants.codes import ALPHABET, LENGTH
from tular.participants.models import Participant
from tular.participants.services import participant_enrol, referral_url
from tular.programs.models import Program
from tular.programs.services import program_create
from tular.referrals.services import track_sale, track_signup
from tular.rewards.payouts import payout_create, payout_mark_paid
from tular.rewards.services import rewards_release_due
from tular.tracking.models import Click

SEED = 19450817
WINDOW_DAYS = 90
WIB = timezone(timedelta(hours=7), "WIB")  # Jakarta time: when Indonesians share and click
SHOP = "https://tokoandalan.example"
HOSTS = ["tokoandalan.example", "www.tokoandalan.example", "blog.tokoandalan.example"]


def _idr(rupiah: int) -> int:
    """Rupiah to minor units (sen): ISO 4217 gives IDR two decimals."""
    return rupiah * 100


PROGRAMS: list[dict] = [
    {
        "slug": "ajak-teman",
        "name": "Ajak Teman Belanja",
        "kind": "customer",
        "currency": "IDR",
        "destination_url": f"{SHOP}/daftar",
        "allowed_hosts": HOSTS,
        "attribution": {"model": "last_touch", "window_days": 30},
        "hold_days": 14,
        "auto_approve_below": _idr(7_500_000),
        "clawback_days": 30,
        "rules": [
            # The friend: Rp50.000 off the first order on sign-up.
            {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": _idr(50_000)},
            # The referrer: Rp25.000 per sale, Rp40.000 from the fifth paying friend on.
            {
                "trigger": "sale",
                "recipient": "referrer",
                "kind": "fixed",
                "amount": _idr(25_000),
                "tiers": [{"min_conversions": 5, "amount": _idr(40_000)}],
                "cap": {"amount": _idr(1_000_000), "period": "month"},
            },
        ],
        "launched_days_ago": 150,
        "clicks": 850,
    },
    {
        "slug": "afiliasi",
        "name": "Program Afiliasi Toko Andalan",
        "kind": "affiliate",
        "currency": "IDR",
        "destination_url": f"{SHOP}/",
        "allowed_hosts": HOSTS,
        "attribution": {"model": "last_touch", "window_days": 60},
        "hold_days": 30,
        "auto_approve_below": _idr(7_500_000),
        "clawback_days": 60,
        "rules": [
            {
                "trigger": "sale",
                "recipient": "referrer",
                "kind": "percent",
                "percent": "10",
                "duration_months": 12,
                "tiers": [
                    {"min_conversions": 10, "percent": "12.5"},
                    {"min_conversions": 30, "percent": "15"},
                ],
                "cap": {"amount": _idr(25_000_000), "period": "month"},
            },
            {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": _idr(30_000)},
        ],
        "launched_days_ago": 200,
        "clicks": 1000,
    },
    {
        "slug": "mitra-reseller",
        "name": "Mitra Reseller Andalan",
        "kind": "reseller",
        "currency": "IDR",
        "destination_url": f"{SHOP}/mitra",
        "allowed_hosts": HOSTS,
        "attribution": {"model": "first_touch", "window_days": 90},
        "hold_days": 14,
        "auto_approve_below": _idr(7_500_000),
        "clawback_days": 90,
        "rules": [
            {
                "trigger": "sale",
                "recipient": "referrer",
                "kind": "percent",
                "percent": "20",
                "tiers": [
                    {"min_conversions": 10, "percent": "25"},
                    {"min_conversions": 25, "percent": "30"},
                    {"min_conversions": 50, "percent": "35"},
                ],
            },
            {
                "trigger": "won",
                "recipient": "referrer",
                "kind": "fixed",
                "amount": _idr(2_500_000),
            },
            {
                "trigger": "qualified",
                "recipient": "referrer",
                "kind": "perk",
                "perk": "Pelatihan produk dan paket materi co-marketing",
            },
        ],
        "launched_days_ago": 240,
        "clicks": 330,
    },
    {
        "slug": "referensi-karyawan",
        "name": "Referensi Karyawan",
        "kind": "employee",
        "currency": "IDR",
        "destination_url": f"{SHOP}/karier",
        "allowed_hosts": HOSTS,
        "attribution": {"model": "first_touch", "window_days": 180},
        # The bonus waits for the end of the new colleague's three-month probation.
        "hold_days": 90,
        "auto_approve_below": None,
        "clawback_days": 90,
        "rules": [
            {
                "trigger": "qualified",
                "recipient": "referrer",
                "kind": "perk",
                "perk": "Merchandise Toko Andalan",
            },
            {
                "trigger": "won",
                "recipient": "referrer",
                "kind": "fixed",
                "amount": _idr(3_000_000),
            },
        ],
        "launched_days_ago": 120,
        "clicks": 140,
    },
    {
        "slug": "jaringan-profesional",
        "name": "Jaringan Profesional Andalan",
        "kind": "network",
        "currency": "IDR",
        "destination_url": f"{SHOP}/bisnis",
        "allowed_hosts": HOSTS,
        "attribution": {"model": "first_touch", "window_days": 90},
        "hold_days": 0,
        "auto_approve_below": None,
        "clawback_days": 0,
        # Consultants, notaries and accountants may not take cash for referrals: recognition only.
        "monetary_rewards_allowed": False,
        "rules": [
            {
                "trigger": "qualified",
                "recipient": "referrer",
                "kind": "perk",
                "perk": "Undangan ke Dewan Penasihat Pelanggan",
            },
            {
                "trigger": "won",
                "recipient": "referrer",
                "kind": "perk",
                "perk": "Kisah sukses bersama di blog dan donasi atas nama Anda",
            },
        ],
        "launched_days_ago": 80,
        "clicks": 90,
    },
]
DEMO_SLUGS = [spec["slug"] for spec in PROGRAMS]

MAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example", "surel.example"]


@dataclass(frozen=True)
class Person:
    program: str
    name: str
    email: str | None = None  # derived from the name on a webmail domain when absent
    kind: str | None = None  # the program's default kind when absent
    locale: str = "id"
    code: str | None = None  # a chosen code, also usable as a promo code at checkout
    site: str | None = None  # an affiliate's own site, seen as the referrer of some clicks


PEOPLE: list[Person] = [
    # Customers who invite friends.
    *(
        Person("ajak-teman", name)
        for name in [
            "Rina Wulandari",
            "Budi Santoso",
            "Dewi Anggraini",
            "Agus Setiawan",
            "Putu Ayu Pratiwi",
            "Made Wirawan",
            "Ratna Sari Siregar",
            "Yohanes Simanjuntak",
            "Fitri Handayani",
            "Andi Pratama",
            "Nur Aisyah",
            "Muhammad Rizky Ramadhan",
            "Intan Permatasari",
            "Hendra Gunawan",
            "Lina Kusumawati",
            "Fajar Nugroho",
            "Wahyu Hidayat",
            "Siska Halim",
            "Kevin Wijaya",
            "Maria Lumbantobing",
            "Teguh Prasetyo",
            "Dian Puspitasari",
            "Yusuf Maulana",
            "Andreas Pangemanan",
        ]
    ),
    # Affiliates: reviewers and content creators.
    Person("afiliasi", "Nadia Safitri", code="NADIA10", site="https://nadiareview.example/"),
    Person("afiliasi", "Reza Mahendra", code="REZATEKNO", site="https://rezatekno.example/"),
    Person("afiliasi", "Ayu Kartika Dewi", site="https://dapurayu.example/"),
    Person("afiliasi", "Bayu Aji Nugraha"),
    Person("afiliasi", "Clara Tanudjaja", site="https://claraliving.example/"),
    Person("afiliasi", "Gilang Ramadhan"),
    Person("afiliasi", "Febriana Putri"),
    Person("afiliasi", "Irfan Maulidi"),
    Person("afiliasi", "Daniel Sutanto", locale="en", site="https://danielsdeals.example/"),
    Person("afiliasi", "Tiara Anindya"),
    # Resellers: mostly businesses, a few individuals.
    Person("mitra-reseller", "CV Maju Jaya Elektronik", "kemitraan@majujaya.example"),
    Person("mitra-reseller", "PT Sinar Nusantara Digital", "partner@sinarnusantara.example"),
    Person("mitra-reseller", "UD Berkah Makmur", "berkahmakmur@example.com"),
    Person("mitra-reseller", "Toko Sumber Rejeki", "sumberrejeki.toko@example.net"),
    Person("mitra-reseller", "CV Cahaya Timur Makassar", "admin@cahayatimur.example"),
    Person("mitra-reseller", "PT Mitra Solusi Bandung", "sales@mitrasolusi.example", locale="en"),
    Person("mitra-reseller", "Koperasi Karya Mandiri", "usaha@karyamandiri.example"),
    Person("mitra-reseller", "Sri Wahyuni"),
    Person("mitra-reseller", "Oktaviani Rahayu"),
    # Employees who recommend candidates.
    *(
        Person("referensi-karyawan", name, f"{_slug}@tokoandalan.example")
        for name, _slug in [
            ("Anisa Rahmawati", "anisa.rahmawati"),
            ("Dimas Saputra", "dimas.saputra"),
            ("Eko Prasetyo", "eko.prasetyo"),
            ("Larasati Ningrum", "larasati.ningrum"),
            ("Hadi Susanto", "hadi.susanto"),
            ("Citra Maharani", "citra.maharani"),
            ("Rudi Hermawan", "rudi.hermawan"),
        ]
    ),
    # Professionals and alumni who recommend business customers.
    Person("jaringan-profesional", "Bambang Sutrisno", "bambang@sutrisnokonsultan.example"),
    Person("jaringan-profesional", "Melati Kusuma", "melati@kantornotaris.example"),
    Person("jaringan-profesional", "Albertus Wibisono", "albert@wibisonoandpartners.example"),
    Person("jaringan-profesional", "Ketut Sudarsana"),
    Person("jaringan-profesional", "Rohani Nasution", "rohani@kapnasution.example"),
    Person("jaringan-profesional", "Stefanus Gultom", kind="alumni"),
    Person("jaringan-profesional", "Wulan Sari Dewanti", kind="alumni"),
]

# Where clicks come from, per program kind: (referrer URL, weight). "" is a click with no
# referrer: an e-mail client, a copied link, a QR code.
WHATSAPP = "https://wa.me/"
INSTAGRAM = "https://www.instagram.com/"
FACEBOOK = "https://www.facebook.com/"
TIKTOK = "https://www.tiktok.com/"
YOUTUBE = "https://www.youtube.com/"
LINKEDIN = "https://www.linkedin.com/"
CHANNELS: dict[str, list[tuple[str, float]]] = {
    "customer": [(WHATSAPP, 55), (INSTAGRAM, 18), (FACEBOOK, 15), ("", 12)],
    "affiliate": [
        ("site", 30),
        (INSTAGRAM, 20),
        (TIKTOK, 15),
        (YOUTUBE, 12),
        (FACEBOOK, 8),
        (WHATSAPP, 10),
        ("", 5),
    ],
    "reseller": [(WHATSAPP, 50), (FACEBOOK, 20), ("", 20), (LINKEDIN, 10)],
    "employee": [(LINKEDIN, 50), (WHATSAPP, 30), ("", 20)],
    "network": [(LINKEDIN, 40), ("", 40), (WHATSAPP, 20)],
}

ANDROID = [
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.122 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; 2201117TY) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0.6422.165 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; CPH2591) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.179 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; V2120) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.71 Mobile Safari/537.36",
]
IPHONE = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
]
IN_APP = {
    INSTAGRAM: [
        "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.6478.122 Mobile Safari/537.36 Instagram 337.0.0.37.106 Android",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Instagram 336.0.2.22.109",
    ],
    FACEBOOK: [
        "Mozilla/5.0 (Linux; Android 13; SM-A325F) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/125.0.6422.165 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/469.0.0.45.108;]",
    ],
    TIKTOK: [
        "Mozilla/5.0 (Linux; Android 13; 23021RAA2Y) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.6367.179 Mobile Safari/537.36 musical_ly_2023505030",
    ],
}
DESKTOP = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
]
DEEP_LINKS = [
    "/produk/rice-cooker-digital-1-8l",
    "/produk/blender-kaca-2-liter",
    "/produk/setrika-uap-portabel",
    "/promo/gajian",
    "/kategori/dapur",
]
# Documentation addresses (RFC 5737): realistic-looking, but nobody's.
IP_NETS = ["192.0.2.", "198.51.100.", "203.0.113."]
# Relative chance of sharing at each hour (WIB): mornings, lunch, and most in the evening.
HOUR_WEIGHTS = [
    0.2, 0.1, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.0, 0.9, 0.8, 0.9,
    1.3, 1.2, 0.8, 0.7, 0.8, 0.9, 1.1, 1.6, 1.8, 1.6, 1.1, 0.5,
]  # fmt: skip
# Monday … Sunday: a bump on working days, quieter weekends.
WEEKDAY_WEIGHTS = [1.2, 1.15, 1.1, 1.1, 1.0, 0.75, 0.7]


def load_demo(*, workspace) -> str:
    """Load the demo programs, participants and clicks into `workspace`; a summary line back.

    Safe to run again: when the demo programs are there, nothing is added.
    """
    existing = _existing_demo_programs(workspace)
    if existing:
        return _already_loaded(workspace, existing)
    rng = random.Random(SEED)
    now = clock.now()
    try:
        with transaction.atomic():
            programs = _create_programs(workspace=workspace, now=now)
            participants = _enrol_people(programs=programs, rng=rng, now=now)
            clicks = _make_clicks(programs=programs, participants=participants, rng=rng, now=now)
            Click.objects.bulk_create(clicks, batch_size=500)
            referrals, sales = _make_referrals(
                workspace=workspace, programs=programs, clicks=clicks, rng=rng, now=now
            )
            _pay_fortnightly(workspace=workspace, programs=programs, now=now)
    except _AlreadyThere:  # another loader won the race between the check and the insert
        return _already_loaded(workspace, _existing_demo_programs(workspace))
    everyone = Participant.objects.filter(workspace=workspace).count()
    return (
        f"Loaded demo data: {len(programs)} programs, {everyone} participants, "
        f"{len(clicks):,} clicks, {referrals} referrals, {sales} sales over the last "
        f"{WINDOW_DAYS} days."
    )


class _AlreadyThere(Exception):
    pass


FRIEND_FIRST = [
    "Sari",
    "Joko",
    "Lestari",
    "Bambang",
    "Yuni",
    "Hendra",
    "Ratna",
    "Teguh",
    "Indah",
    "Fajar",
    "Wulan",
    "Eko",
    "Maya",
    "Dimas",
    "Kartika",
    "Arief",
    "Nur",
    "Gilang",
]
FRIEND_LAST = [
    "Wibowo",
    "Lubis",
    "Saputra",
    "Harahap",
    "Kusuma",
    "Setiawan",
    "Permata",
    "Gunawan",
    "Simanjuntak",
    "Halim",
    "Purnomo",
    "Utami",
]
# What a referred customer buys, per program kind: (smallest, largest) in rupiah, and how many
# purchases (the affiliate program sells a monthly subscription).
PURCHASES = {
    "customer": ((150_000, 2_500_000), (1, 2)),
    "affiliate": ((299_000, 299_000), (1, 3)),
    "reseller": ((5_000_000, 45_000_000), (1, 2)),
}


def _make_referrals(*, workspace, programs, clicks, rng: random.Random, now: datetime):
    """Some visitors sign up, and most of those buy: through the same tracking services as
    the API, at the moments they happened (the clock is set back for each event)."""
    kinds = {program.pk: program.kind for program in programs.values()}
    referrals = sales = 0
    for click in clicks:
        kind = kinds[click.program_id]
        if kind not in PURCHASES or rng.random() > 0.06:
            continue
        referrals += 1
        customer_id = f"demo_cust_{referrals:04d}"
        first, last = rng.choice(FRIEND_FIRST), rng.choice(FRIEND_LAST)
        signed_up = min(
            click.created_at + timedelta(minutes=rng.randint(2, 90)), now - timedelta(minutes=1)
        )
        customer = {
            "name": f"{first} {last}",
            "email": f"{_ascii(first)}.{_ascii(last)}{referrals}@example.com",
        }
        with clock.frozen(signed_up):
            track_signup(
                workspace=workspace,
                event_id=f"demo-signup-{customer_id}",
                click_id=str(click.id),
                customer_external_id=customer_id,
                **customer,
            )
        if rng.random() > 0.65:
            continue
        (low, high), (fewest, most) = PURCHASES[kind]
        paid_at = signed_up
        for number in range(rng.randint(fewest, most)):
            paid_at += timedelta(days=rng.uniform(0.5, 30) if number else rng.uniform(0, 5))
            if paid_at >= now:
                break
            with clock.frozen(paid_at):
                track_sale(
                    workspace=workspace,
                    event_id=f"demo-sale-{customer_id}-{number}",
                    customer_external_id=customer_id,
                    amount=_idr(rng.randrange(low, high + 1, 1000) if high > low else low),
                    currency="IDR",
                    invoice_id=f"INV-{customer_id}-{number}",
                )
            sales += 1
    return referrals, sales


def _pay_fortnightly(*, workspace, programs, now: datetime) -> None:
    """The programs were run well: holds released and approved rewards paid every two weeks,
    so the time-to-reward figures have something to show."""
    for days_ago in range(WINDOW_DAYS - 14, 0, -14):
        with clock.frozen(now - timedelta(days=days_ago)) as payday:
            rewards_release_due(now=payday)
            for program in programs.values():
                if program.monetary_rewards_allowed:
                    payout_mark_paid(
                        payout_create(workspace=workspace, program=program, currency="IDR")
                    )
    rewards_release_due(now=now)


def _existing_demo_programs(workspace) -> list[str]:
    return list(
        Program.objects.filter(workspace=workspace, slug__in=DEMO_SLUGS)
        .order_by("slug")
        .values_list("slug", flat=True)
    )


def _already_loaded(workspace, slugs: list[str]) -> str:
    return (
        f"Demo data is already loaded in workspace {workspace.slug!r} "
        f"({', '.join(slugs)}); nothing was added."
    )


def _create_programs(*, workspace, now: datetime) -> dict[str, Program]:
    programs = {}
    for spec in PROGRAMS:
        body = {k: v for k, v in spec.items() if k not in {"launched_days_ago", "clicks"}}
        try:
            program = program_create(workspace=workspace, config=ProgramIn.model_validate(body))
        except Conflict:
            raise _AlreadyThere from None
        launched = now - timedelta(days=spec["launched_days_ago"])
        Program.objects.filter(pk=program.pk).update(created_at=launched, updated_at=launched)
        programs[program.slug] = program
    return programs


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _email_for(person: Person, index: int) -> str:
    if person.email:
        return person.email
    parts = _ascii(person.name).split()
    local = ".".join(parts[:2]) if index % 3 else "".join(parts[:2]) + str(70 + index % 30)
    return f"{local}@{MAIL_DOMAINS[index % len(MAIL_DOMAINS)]}"


def _draw_code(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))


def _enrol_people(*, programs, rng: random.Random, now: datetime) -> list[Participant]:
    participants = []
    for index, person in enumerate(PEOPLE):
        program = programs[person.program]
        code = person.code or _draw_code(rng)
        for _attempt in range(8):
            try:
                participant, _created = participant_enrol(
                    program=program,
                    email=_email_for(person, index),
                    external_id=f"demo-{index + 1:03d}",
                    name=person.name,
                    kind=person.kind,
                    locale=person.locale,
                    code=code,
                )
                break
            except Conflict:  # the code is taken (the demo is in another workspace too)
                code = _draw_code(rng)
        else:  # pragma: no cover - eight collisions in 21.9 billion codes
            raise Conflict("could not draw a free code for the demo")
        # Joined some time after the program launched, at least a week ago.
        launched = now - timedelta(days=_spec(person.program)["launched_days_ago"])
        span = (now - timedelta(days=7) - launched).total_seconds()
        participant.created_at = launched + timedelta(seconds=rng.uniform(0, span))
        participants.append(participant)
    Participant.objects.bulk_update(participants, ["created_at"])
    return participants


def _spec(slug: str) -> dict:
    return next(spec for spec in PROGRAMS if spec["slug"] == slug)


def _day_weight(day: datetime, *, days_ago: int) -> float:
    trend = 1.0 + 1.5 * (WINDOW_DAYS - days_ago) / WINDOW_DAYS  # the program is catching on
    payday = 1.3 if day.day >= 25 or day.day <= 2 else 1.0  # gajian: people shop, and share
    return trend * WEEKDAY_WEIGHTS[day.weekday()] * payday


def _share_times(*, rng: random.Random, count: int, since: datetime, now: datetime) -> list:
    """When a participant shared their link: `count` moments between `since` and `now`."""
    today = now.astimezone(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=ago) for ago in range(WINDOW_DAYS)]
    weights = [
        _day_weight(day, days_ago=ago) if day + timedelta(days=1) > since else 0.0
        for ago, day in enumerate(days)
    ]
    moments = []
    for day in rng.choices(days, weights=weights, k=count):
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        moment = day + timedelta(hours=hour, minutes=rng.randrange(60))
        moment = max(moment, since)
        if moment >= now:
            moment = now - timedelta(minutes=rng.randint(5, 120))
        moments.append(moment)
    return moments


def _user_agent(rng: random.Random, referrer: str) -> str:
    if referrer in IN_APP and rng.random() < 0.8:
        return rng.choice(IN_APP[referrer])
    if referrer == LINKEDIN or (referrer == "" and rng.random() < 0.5):
        return rng.choice(DESKTOP if rng.random() < 0.6 else ANDROID)
    return rng.choice(ANDROID if rng.random() < 0.8 else IPHONE)


def _make_clicks(*, programs, participants, rng: random.Random, now: datetime) -> list[Click]:
    window_start = now - timedelta(days=WINDOW_DAYS) + timedelta(minutes=1)
    people = {id(p): person for p, person in zip(participants, PEOPLE, strict=True)}
    rows = []
    for spec in PROGRAMS:
        members = [p for p in participants if p.program_id == programs[spec["slug"]].pk]
        # A few very active referrers and a long tail (Pareto), some with no click at all.
        activity = [rng.paretovariate(1.3) if rng.random() < 0.85 else 0.0 for _ in members]
        per_member = Counter(rng.choices(range(len(members)), weights=activity, k=spec["clicks"]))
        channels, channel_weights = zip(*CHANNELS[spec["kind"]], strict=True)
        for index, count in sorted(per_member.items()):
            participant = members[index]
            person = people[id(participant)]
            since = max(participant.created_at, window_start)
            shares = _share_times(
                rng=rng, count=max(1, round(count / rng.uniform(3, 8))), since=since, now=now
            )
            share_channels = rng.choices(channels, weights=channel_weights, k=len(shares))
            reach = [rng.paretovariate(2.5) for _ in shares]
            for _ in range(count):
                share = rng.choices(range(len(shares)), weights=reach)[0]
                # Most visits come within hours of a share; some trickle in over the days after.
                at = shares[share] + timedelta(hours=rng.expovariate(1 / 5))
                if at >= now:
                    at = shares[share] + (now - shares[share]) * rng.random()
                referrer = share_channels[share]
                if referrer == "site":
                    referrer = person.site or INSTAGRAM
                landing = referral_url(participant.code)
                if spec["kind"] == "affiliate" and rng.random() < 0.4:
                    landing += f"?to={rng.choice(DEEP_LINKS)}"
                rows.append(
                    (
                        at,
                        participant,
                        referrer,
                        landing,
                        _user_agent(rng, referrer),
                        rng.choice(IP_NETS) + str(rng.randint(1, 254)),
                    )
                )
    rows.sort(key=lambda row: row[0])  # so the time-ordered ids follow the click times
    return [
        Click(
            id=new_uuid7(),
            workspace_id=participant.workspace_id,
            program_id=participant.program_id,
            participant=participant,
            created_at=at.astimezone(UTC),
            source="redirect",
            landing_url=landing,
            referrer=referrer,
            ip=ip,
            user_agent=user_agent,
        )
        for at, participant, referrer, landing, user_agent, ip in rows
    ]
