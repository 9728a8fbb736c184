"""The demo's partner enablement (docs/enablement.md): an asset library and three training
modules in `mitra-reseller`, some completed by the first partners with their certificates.

The files are small but real (a PDF, a PNG drawn by segno, an XLSX written by openpyxl), so
they pass the same type checks as a manager's upload."""

from __future__ import annotations

import io

import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tular.enablement.services import asset_create, module_complete, module_save
from tular.participants.models import Participant
from tular.workspaces.audit import Actor

PROGRAM = "mitra-reseller"

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

QUIZ = [
    {
        "question": "Berapa lama deal yang disetujui dilindungi?",
        "choices": ["30 hari", "90 hari", "Selamanya"],
        "answer": 1,
    },
    {
        "question": "Siapa yang menyetujui pendaftaran deal?",
        "choices": ["Tim program", "Pelanggan", "Mitra lain"],
        "answer": 0,
    },
    {
        "question": "Kapan sebaiknya deal didaftarkan?",
        "choices": ["Setelah kontrak ditandatangani", "Sedini mungkin, setelah rapat pertama"],
        "answer": 1,
    },
]


def _png() -> bytes:
    out = io.BytesIO()
    segno.make("https://toko-andalan.example").save(out, kind="png", scale=10)
    return out.getvalue()


def _xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Produk", "Harga mitra (Rp)"])
    sheet.append(["Paket Toko Kecil", 1_500_000])
    sheet.append(["Paket Toko Besar", 4_500_000])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_enablement(*, programs: dict, manager) -> int:
    """Assets and training of the partner program; returns how many certificates were issued."""
    program = programs[PROGRAM]
    team = Actor.for_user(manager) if manager else Actor.system("tular up --demo")
    files = [
        ("brochure", "Brosur produk 2026", "brosur-2026.pdf", PDF,
         "Untuk dicetak atau dikirim lewat WhatsApp.", "id"),
        ("brochure", "Product brochure 2026", "brochure-2026.pdf", PDF, "", "en"),
        ("logo", "Logo Toko Andalan", "logo-toko-andalan.png", _png(), "PNG, latar putih.", ""),
        ("price_list", "Daftar harga mitra", "harga-mitra.xlsx", _xlsx(),
         "Harga untuk mitra reseller, berlaku kuartal ini.", "id"),
    ]  # fmt: skip
    for category, title, name, content, description, language in files:
        asset_create(
            program=program,
            category=category,
            title=title,
            description=description,
            upload=SimpleUploadedFile(name, content),
            language=language,
            actor=team,
        )
    asset_create(
        program=program,
        category="Video produk",
        title="Demo produk 5 menit",
        url="https://toko-andalan.example/video/demo-produk",
        actor=team,
    )
    intro = module_save(
        program=program,
        title="Mengenal Toko Andalan",
        summary="Apa yang dijual, untuk siapa, dan kenapa pelanggan memilihnya.",
        body="Toko Andalan membantu toko kecil mengelola stok dan penjualan.\n\n"
        "Tiga hal yang disukai pelanggan: mudah dipakai, laporan harian, dukungan lewat WhatsApp.",
        certificate=False,
        order=1,
        published=True,
        actor=team,
    )
    deals = module_save(
        program=program,
        title="Mendaftarkan deal",
        summary="Cara mendaftarkan peluang agar akun pelanggan terlindungi.",
        body="Daftarkan deal sedini mungkin, setelah rapat pertama.\n"
        "Tim program meninjau dalam dua hari kerja.\n"
        "Deal yang disetujui dilindungi 90 hari.",
        quiz=QUIZ,
        pass_mark=80,
        certificate=True,
        counts_toward_tier=True,
        order=2,
        published=True,
        actor=team,
    )
    module_save(
        program=program,
        title="Negosiasi dan perpanjangan kontrak",
        summary="Materi lanjutan: sedang ditulis.",
        order=3,
        published=False,
        actor=team,
    )
    partners = Participant.objects.filter(program=program, kind__in=("partner", "reseller"))
    issued = 0
    for partner in partners.order_by("created_at", "pk")[:3]:
        module_complete(module=intro, participant=partner, taken_by=partner.name)
        outcome = module_complete(
            module=deals, participant=partner, answers={0: 1, 1: 0, 2: 1}, taken_by=partner.name
        )
        issued += bool(outcome.completion and outcome.completion.certificate_number)
    return issued
