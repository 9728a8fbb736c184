"""Story: participants read a program's rules in plain words (R5), in Indonesian or English:
what counts, who earns what, for how long, tiers, caps, holds, approval, clawback, no cash."""

from tests.helpers import PROGRAM_BODY
from tular.programs.models import Program
from tular.programs.wording import rules_in_words


def program(**changes) -> Program:
    values = {key: value for key, value in PROGRAM_BODY.items() if key != "attribution"}
    values["attribution"] = PROGRAM_BODY["attribution"]
    return Program(**{**values, **changes})


def test_the_contract_example_in_indonesian():
    words = rules_in_words(program=program(), language="id")
    assert words == [
        "Referral dihitung bila orang yang Anda ajak datang lewat tautan Anda atau memakai kode "
        "Anda dan mendaftar dalam 30 hari.",
        "Mengajak diri sendiri tidak menghasilkan hadiah.",
        "Anda mendapat 20% dari nilai pembelian saat pelanggan yang Anda ajak membayar.",
        "Setiap pembelian dalam 12 bulan pertama setelah pembelian pertama pelanggan ikut "
        "dihitung.",
        "Mulai 5 pelanggan yang membayar, Anda mendapat 25%.",
        "Paling banyak Rp15.000.000 per kuartal dari hadiah ini.",
        "Teman Anda mendapat Rp50.000 saat mendaftar lewat tautan Anda.",
        "Anda mendapat Rp7.500.000 saat kesepakatan dari rujukan Anda berhasil (closing).",
        "Anda mendapat “Akses beta” saat prospek yang Anda rujuk dinyatakan memenuhi syarat.",
        "Hadiah dikonfirmasi dan dapat dibayarkan setelah masa tunggu 14 hari.",
        "Hadiah di bawah Rp7.500.000 disetujui otomatis; yang lebih besar diperiksa tim kami "
        "terlebih dahulu.",
        "Jika pembelian dikembalikan dananya (refund), hadiahnya berkurang sesuai bagian yang "
        "dikembalikan.",
        "Jika pelanggan membatalkan dalam 60 hari setelah sebuah hadiah, hadiah itu dibatalkan.",
    ]


def test_the_contract_example_in_english():
    words = rules_in_words(program=program(), language="en")
    assert "You earn 20% of the purchase when a customer you refer pays." in words
    assert "Your friend gets IDR50,000 when they sign up through your link." in words
    assert "From 5 paying customers referred, you earn 25% instead." in words
    assert "At most IDR15,000,000 per quarter from this reward." in words
    assert "A reward is confirmed and can be paid after a 14-day hold." in words
    assert "If the customer cancels within 60 days of a reward, that reward is reversed." in words


def test_first_purchase_only_no_hold_no_auto_approval_and_a_lifetime_cap():
    rules = [
        {
            "trigger": "sale",
            "recipient": "referrer",
            "kind": "fixed",
            "amount": 10000000,
            "cap": {"amount": 50000000, "period": "lifetime"},
        }
    ]
    words = rules_in_words(
        program=program(rules=rules, hold_days=0, auto_approve_below=None, clawback_days=0),
        language="en",
    )
    assert "You earn IDR100,000 when a customer you refer pays." in words
    assert "Only the customer's first purchase counts." in words
    assert "At most IDR500,000 in total from this reward." in words
    assert "A reward is confirmed at once, without a hold." in words
    assert "Every cash reward is checked by our team before it is approved." in words
    assert not any("cancels" in sentence for sentence in words)


def test_a_non_cash_program_says_so_in_both_languages():
    rules = [{"trigger": "won", "recipient": "referrer", "kind": "perk", "perk": "Makan malam"}]
    nocash = program(rules=rules, monetary_rewards_allowed=False)
    assert "This program gives non-cash rewards only." in rules_in_words(
        program=nocash, language="en"
    )
    assert "Program ini hanya memberikan hadiah nonuang." in rules_in_words(
        program=nocash, language="id"
    )
    # a perk-only program says nothing of cash approval or refunds
    english = rules_in_words(program=nocash, language="en")
    assert not any("checked by our team" in s or "refunded" in s for s in english)


def test_a_paused_program_says_nothing_is_earned():
    words = rules_in_words(program=program(status="paused"), language="id")
    assert words[0] == "Program ini sedang dijeda: tidak ada hadiah selama dijeda."


def test_a_program_without_rules():
    words = rules_in_words(program=program(rules=[]), language="en")
    assert "This program has no rewards yet." in words
