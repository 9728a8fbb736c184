"""The demo's tables: Toko Andalan, an Indonesian shop, its five programs, the people in them,
and the shape of their activity (channels, devices, hours, paydays, purchases).

Plain data only; `tular.demo.loader` turns it into rows through the real services. Everything
here is made up: e-mail domains are reserved example domains, IP addresses documentation ranges
(RFC 5737), so nothing points at a real person or network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone

SEED = 19450817
WINDOW_DAYS = 90
WIB = timezone(timedelta(hours=7), "WIB")  # Jakarta time: when Indonesians share and click
SHOP = "https://tokoandalan.example"
HOSTS = ["tokoandalan.example", "www.tokoandalan.example", "blog.tokoandalan.example"]


def idr(rupiah: int) -> int:
    """Rupiah to minor units (sen): ISO 4217 gives IDR two decimals."""
    return rupiah * 100


# A program's destination is its own landing page, /join/<slug> on the demo's server (the
# loader knows its address), so a demo referral link ends on a real page.
PROGRAMS: list[dict] = [
    {
        "slug": "ajak-teman",
        "name": "Ajak Teman Belanja",
        "kind": "customer",
        "currency": "IDR",
        "allowed_hosts": HOSTS,
        "attribution": {"model": "last_touch", "window_days": 30},
        "hold_days": 14,
        "auto_approve_below": idr(7_500_000),
        "clawback_days": 30,
        "leaderboard": True,  # R40: the referrers see who refers most (names with consent)
        "rules": [
            # The friend: Rp50.000 off the first order on sign-up.
            {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": idr(50_000)},
            # The referrer: Rp25.000 per sale, Rp40.000 from the fifth paying friend on.
            {
                "trigger": "sale",
                "recipient": "referrer",
                "kind": "fixed",
                "amount": idr(25_000),
                "tiers": [{"min_conversions": 5, "amount": idr(40_000)}],
                "cap": {"amount": idr(1_000_000), "period": "month"},
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
        "allowed_hosts": HOSTS,
        "attribution": {"model": "last_touch", "window_days": 60},
        "hold_days": 30,
        "auto_approve_below": idr(7_500_000),
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
                "cap": {"amount": idr(25_000_000), "period": "month"},
            },
            {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": idr(30_000)},
        ],
        "launched_days_ago": 200,
        "clicks": 1000,
    },
    {
        "slug": "mitra-reseller",
        "name": "Mitra Reseller Andalan",
        "kind": "reseller",
        "currency": "IDR",
        "allowed_hosts": HOSTS,
        "attribution": {"model": "first_touch", "window_days": 90},
        "hold_days": 14,
        "auto_approve_below": idr(7_500_000),
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
                "amount": idr(2_500_000),
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
                "amount": idr(3_000_000),
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
    "customer": [(WHATSAPP, 60), (INSTAGRAM, 15), (FACEBOOK, 13), ("", 12)],
    "affiliate": [
        ("site", 25),
        (INSTAGRAM, 15),
        (TIKTOK, 12),
        (YOUTUBE, 10),
        (FACEBOOK, 8),
        (WHATSAPP, 22),
        ("", 8),
    ],
    "reseller": [(WHATSAPP, 50), (FACEBOOK, 20), ("", 20), (LINKEDIN, 10)],
    "employee": [(LINKEDIN, 50), (WHATSAPP, 30), ("", 20)],
    "network": [(LINKEDIN, 40), ("", 40), (WHATSAPP, 20)],
}

# The share button a visit came through (Click.channel, R13), by where it came from: WhatsApp,
# Facebook and LinkedIn visits through their buttons, visits from a bio or a video as a link
# shared as it is (""), visits without a referrer from e-mail, Telegram, QR codes, X or a link
# copied by hand.
CHANNEL_OF_REFERRER = {WHATSAPP: "whatsapp", FACEBOOK: "facebook", LINKEDIN: "linkedin"}
UNREFERRED_CHANNELS = [("", 25), ("email", 30), ("telegram", 18), ("qr", 17), ("x", 10)]
# An affiliate's own site: a post (the link as it is), their newsletter or their signature.
SITE_CHANNELS = [("", 50), ("newsletter", 25), ("signature", 25)]
# How many of the listed referrers agreed to show their name on the leaderboard: every other.
LEADERBOARD_CONSENT_EVERY = 2

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
    f"{SHOP}/produk/rice-cooker-digital-1-8l",
    f"{SHOP}/produk/blender-kaca-2-liter",
    f"{SHOP}/produk/setrika-uap-portabel",
    f"{SHOP}/promo/gajian",
    f"{SHOP}/kategori/dapur",
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


# Of the visitors who clicked a link of a program that sells, the share who sign up, and of
# those the share who go on to buy.
SIGNUP_RATE = 0.06
BUY_RATE = 0.65
# Approved rewards are paid out this often (days), as a well-run program would.
PAYOUT_EVERY_DAYS = 14

# The customer program's landing page in Indonesian, as its marketing manager wrote it (the
# incentive is left to the default, written from the rules), with an A/B test of the headline
# that has been running for three weeks.
LANDING_COPY = {
    "program": "ajak-teman",
    "language": "id",
    "changes": {
        "headline": "Belanja hemat bersama teman",
        "value_proposition": (
            "Peralatan rumah tangga pilihan dengan harga jujur, dikirim ke seluruh Indonesia. "
            "Teman Anda sudah belanja di Toko Andalan; daftar kurang dari satu menit."
        ),
        "button": "Daftar dan klaim hadiah",
        "faq": [
            {
                "q": "Kapan potongan Rp50.000 saya bisa dipakai?",
                "a": "Segera setelah Anda mendaftar: potongannya tercatat di akun Anda dan "
                "berlaku untuk belanja pertama minimal Rp150.000.",
            },
            {
                "q": "Apakah ada biaya pendaftaran?",
                "a": "Tidak. Mendaftar gratis dan tidak mewajibkan Anda berbelanja.",
            },
            {
                "q": "Ke mana saja Toko Andalan mengirim?",
                "a": "Ke seluruh Indonesia, gratis ongkos kirim untuk belanja di atas Rp300.000.",
            },
            {
                "q": "Apa yang terjadi dengan data saya?",
                "a": "Toko Andalan memakai nama dan email Anda untuk membuat akun dan berterima "
                "kasih kepada teman yang mengajak Anda. Data Anda tidak dijual atau dibagikan.",
            },
        ],
        "share_message": (
            "Halo! Saya sering belanja di Toko Andalan: barangnya bagus dan pengirimannya "
            "cepat. Daftar lewat tautan saya dan Anda dapat potongan Rp50.000 untuk belanja "
            "pertama: {link}"
        ),
        "test_element": "headline",
        "test_text": "Ajak teman, sama-sama dapat hadiah",
    },
}
# The test's counts so far: (visitors, sign-ups) of variants A and B.
LANDING_TEST_DAYS_AGO = 21
LANDING_TEST_COUNTS = {"a": (318, 21), "b": (297, 29)}
