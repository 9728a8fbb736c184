"""Story: the marketing manager opens a program's "Landing page & messages" tab, sees every
default as a grey placeholder, writes the Indonesian headline, a FAQ and a share message, and
starts an A/B test of the headline; the landing page shows her words at once and the tab shows
visitors, sign-ups and conversion per variant. A share message with an unknown merge field is
refused beside it and nothing is saved. The finance viewer reads the tab but cannot change it.
The program's leaderboard is switched in its settings (console wizard and API PATCH)."""

import re

import pytest

from tests.rewards.books import make_program
from tular.programs.copy import copy_for, copy_save, defaults
from tular.programs.models import LandingStat, Program, ProgramCopy
from tular.programs.services import program_create, program_validate
from tular.workspaces.models import AuditEntry

URL = "/console/programs/ajak-teman/texts/"


@pytest.fixture
def program(console_workspace):
    return make_program(console_workspace, slug="ajak-teman", name="Ajak Teman")


def save(client, language="id", **fields):
    return client.post(URL, {"language": language, **fields})


def error_beside(response, field: str) -> str:
    html = response.content.decode()
    match = re.search(rf'id="{field}-error">(.*?)</div>\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def test_the_tab_shows_the_defaults_as_placeholders_and_links_the_page(manager_client, program):
    # when
    response = manager_client.get(URL)
    # then
    assert response.status_code == 200
    html = response.content.decode()
    default = defaults(program=program, language="id")
    assert f'placeholder="{default["headline"]}"' in html
    assert "Rp50.000" in default["incentive"]
    assert 'href="/join/ajak-teman?lang=id"' in html
    assert "Simpan teks" in html
    # the program's page links the tab
    detail = manager_client.get("/console/programs/ajak-teman/").content.decode()
    assert f'href="{URL}"' in detail


def test_a_manager_saves_the_texts_and_the_landing_page_shows_them(manager_client, program):
    # when
    response = save(
        manager_client,
        headline="Belanja hemat bersama teman",
        button="Daftar sekarang",
        faq_q1="Apakah gratis?",
        faq_a1="Ya, gratis.",
        share_message="Coba Toko Maju lewat tautan saya: {link}",
        message2="Kode saya {code}, salam {name}",
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?language=id"
    saved = ProgramCopy.objects.get(program=program, language="id")
    assert saved.headline == "Belanja hemat bersama teman"
    assert saved.faq == [{"q": "Apakah gratis?", "a": "Ya, gratis."}]
    assert saved.messages == ["Kode saya {code}, salam {name}"]
    assert AuditEntry.objects.filter(action="program.copy_update").exists()
    page = manager_client.get("/join/ajak-teman").content.decode()
    assert "Belanja hemat bersama teman" in page
    assert "Apakah gratis?" in page
    # the English texts are untouched: their defaults still apply
    assert copy_for(program=program, language="en").headline == "Join Ajak Teman"
    # and the form shows what was saved
    again = manager_client.get(URL).content.decode()
    assert 'value="Belanja hemat bersama teman"' in again


def test_an_unknown_merge_field_is_refused_beside_its_field(manager_client, program):
    # when the second message (the first one left empty) names {kupon}
    response = save(
        manager_client,
        headline="Judul baru",
        message1="",
        message2="Pakai {kupon} saya",
    )
    # then
    assert response.status_code == 422
    assert "{kupon}" in error_beside(response, "message2")
    assert "Pakai {kupon} saya" in response.content.decode()
    assert not ProgramCopy.objects.filter(program=program, headline="Judul baru").exists()
    # the share message too
    response = save(manager_client, share_message="Halo {nama}: {link}")
    assert response.status_code == 422
    assert "{nama}" in error_beside(response, "share_message")


def test_a_question_without_its_answer_is_refused_beside_it(manager_client, program):
    response = save(manager_client, faq_q2="Berapa lama?")
    assert response.status_code == 422
    assert error_beside(response, "faq_a2")


def test_starting_the_test_resets_its_counts_and_the_tab_shows_them(manager_client, program):
    # given visits counted before the test
    LandingStat.objects.create(program=program, language="id", variant="a", visitors=40)
    # when the manager starts a test of the headline
    response = save(
        manager_client,
        headline="Gabung sekarang",
        test_element="headline",
        test_text="Dua hadiah, satu langkah",
    )
    # then the counts start afresh
    assert response.status_code == 302
    assert not LandingStat.objects.filter(program=program).exists()
    assert ProgramCopy.objects.get(program=program, language="id").test_started_at
    # and as the test runs the tab shows each variant's figures
    LandingStat.objects.create(
        program=program, language="id", variant="a", visitors=200, signups=10
    )
    LandingStat.objects.create(
        program=program, language="id", variant="b", visitors=190, signups=19
    )
    html = manager_client.get(URL).content.decode()
    assert "Dua hadiah, satu langkah" in html
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert cells == ["200", "10", "5%", "190", "19", "10%"]
    # saving the same test again keeps its counts
    save(
        manager_client,
        headline="Gabung sekarang",
        test_element="headline",
        test_text="Dua hadiah, satu langkah",
    )
    assert LandingStat.objects.filter(program=program).count() == 2


def test_the_english_texts_are_saved_apart(manager_client, program):
    save(manager_client, language="en", headline="Shop together, save together")
    assert copy_for(program=program, language="en").headline == "Shop together, save together"
    assert copy_for(program=program, language="id").headline == "Bergabung dengan Ajak Teman"
    html = manager_client.get(f"{URL}?language=en").content.decode()
    assert 'value="Shop together, save together"' in html


def test_a_viewer_reads_the_texts_but_cannot_change_them(viewer_client, program):
    copy_save(program=program, language="id", changes={"headline": "Judul manajer"})
    # when
    page = viewer_client.get(URL)
    # then the form is read-only, without a save button
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Judul manajer"' in html
    assert re.search(r'<input[^>]*name="headline"[^>]*disabled', html)
    assert "Simpan teks" not in html
    # and a POST is refused
    response = save(viewer_client, headline="Judul penonton")
    assert response.status_code == 403
    assert ProgramCopy.objects.get(program=program).headline == "Judul manajer"


def test_another_workspace_cannot_open_the_tab(outsider_client, program):
    assert outsider_client.get(URL).status_code == 404


def test_an_archived_programs_texts_are_read_only(manager_client, program):
    program.status = "archived"
    program.save()
    assert "Simpan teks" not in manager_client.get(URL).content.decode()
    response = save(manager_client, headline="Terlambat")
    assert response.status_code == 302
    assert not ProgramCopy.objects.filter(program=program).exists()


# ---------------------------------------------------------------- the leaderboard switch


def test_the_leaderboard_is_switched_on_with_patch_and_shown_in_the_program(api, workspace):
    # given
    program = program_create(
        workspace=workspace,
        config=program_validate(
            {"slug": "pelanggan", "name": "Pelanggan", "kind": "customer", "currency": "IDR",
             "destination_url": "https://toko.example/daftar"}
        ),
    )  # fmt: skip
    assert api.get("/api/v1/programs/pelanggan").json()["leaderboard"] is False
    # when
    response = api.request("PATCH", "/api/v1/programs/pelanggan", {"leaderboard": True})
    # then
    assert response.status_code == 200, response.content
    assert response.json()["leaderboard"] is True
    program.refresh_from_db()
    assert program.leaderboard is True
    entry = AuditEntry.objects.filter(action="program.update").latest("pk")
    assert entry.after == {"leaderboard": True}
    # a string is not a boolean
    response = api.request("PATCH", "/api/v1/programs/pelanggan", {"leaderboard": "yes"})
    assert response.status_code == 422


def test_the_leaderboard_is_in_the_program_schema(api):
    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schema["ProgramOut"]["properties"]["leaderboard"]["type"] == "boolean"
    assert "leaderboard" in schema["ProgramPatch"]["properties"]


def test_the_console_edit_switches_the_leaderboard(manager_client, program):
    # given the edit, through to its holds step
    response = manager_client.get("/console/programs/ajak-teman/edit/")
    step = response["Location"]
    holds = step.replace("/kind/", "/holds/")
    page = manager_client.get(holds).content.decode()
    assert 'name="leaderboard"' in page
    # when the manager ticks it and saves
    response = manager_client.post(
        holds,
        {"hold_days": "14", "clawback_days": "30", "monetary_rewards_allowed": "on",
         "auto_approve_below": "1.000.000", "leaderboard": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    review = step.replace("/kind/", "/review/")
    response = manager_client.post(review)
    # then
    assert response.status_code == 302
    assert Program.objects.get(pk=program.pk).leaderboard is True
    detail = manager_client.get("/console/programs/ajak-teman/").content.decode()
    assert "ditampilkan di portal" in detail
