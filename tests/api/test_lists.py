"""Story: an integrator lists programs, participants, referrals and API keys a page at a time.

Every list has one shape, `{"items": [...], "next": id | null}`, with `after` (the previous
page's `next`) and `limit` (1-1000, default 100); walking `next` sees every row once. Filters
narrow, never widen: another workspace's rows are never listed, whatever the filter."""

import math
import time
from datetime import UTC, datetime

import pytest

from tests.helpers import PROGRAM_BODY, assert_problem
from tular.participants.models import Participant
from tular.participants.services import participant_enrol
from tular.programs.models import Program
from tular.referrals.models import Referral
from tular.workspaces.services import api_key_create, workspace_get_or_create

LISTS = ["/api/v1/programs", "/api/v1/participants", "/api/v1/referrals", "/api/v1/api-keys"]


def walk(api, path: str, limit: int) -> tuple[list[str], list[dict]]:
    """Follow `next` from the first page to the last; returns the ids and the pages."""
    separator = "&" if "?" in path else "?"
    ids, pages, after = [], [], None
    while True:
        url = f"{path}{separator}limit={limit}" + (f"&after={after}" if after else "")
        response = api.get(url)
        assert response.status_code == 200, response.content
        page = response.json()
        assert set(page) == {"items", "next"}
        pages.append(page)
        ids += [str(item["id"]) for item in page["items"]]
        after = page["next"]
        if after is None:
            return ids, pages
        assert after == str(page["items"][-1]["id"])
        assert len(pages) < 100, "the pages never end"


def enrol(program_slug="pelanggan", n=0, **fields) -> Participant:
    program = Program.objects.get(slug=program_slug, workspace__slug="toko-andalan")
    return participant_enrol(
        program=program,
        email=fields.pop("email", f"orang{n}@example.com"),
        external_id=fields.pop("external_id", f"ext_{program_slug}_{n}"),
        **fields,
    )[0]


def refer(participant: Participant, n: int, status="active", **fields) -> Referral:
    return Referral.objects.create(
        workspace_id=participant.workspace_id,
        program=participant.program,
        participant=participant,
        status=status,
        customer_external_id=fields.pop("customer_external_id", f"cust_{participant.pk}_{n}"),
        email=f"teman{n}@example.com",
        name=f"Teman {n}",
        company="PT Teman",
        created_at=datetime(2026, 5, n + 1, tzinfo=UTC),
        **fields,
    )


@pytest.fixture
def programs(api, program):
    for slug in ("mitra", "karyawan"):
        response = api.post("/api/v1/programs", {**PROGRAM_BODY, "slug": slug})
        assert response.status_code == 201, response.content
    return ["pelanggan", "mitra", "karyawan"]


@pytest.fixture
def people(programs):
    """Seven participants in pelanggan, three in mitra."""
    return [enrol("pelanggan", n) for n in range(7)] + [enrol("mitra", n) for n in range(3)]


# ---------------------------------------------------------------- the pages


@pytest.mark.parametrize("limit", [1, 2, 3, 9, 10, 11, 100, 1000])
def test_walking_the_participants_sees_each_once_in_enrolment_order(api, people, limit):
    ids, pages = walk(api, "/api/v1/participants", limit)
    assert ids == [str(p.pk) for p in sorted(people, key=lambda p: p.pk)]
    assert len(pages) == math.ceil(len(people) / limit)
    assert all(page["items"] for page in pages)  # no empty last page
    assert all(len(page["items"]) == limit for page in pages[:-1])


@pytest.mark.parametrize("limit", [1, 4, 100])
def test_walking_the_referrals_sees_each_once(api, people, limit):
    referrals = [refer(people[n % 3], n) for n in range(9)]
    ids, _ = walk(api, "/api/v1/referrals", limit)
    assert ids == sorted(str(r.pk) for r in referrals)
    assert len(set(ids)) == 9


@pytest.mark.parametrize("limit", [1, 2, 100])
def test_walking_the_programs_sees_each_once(api, programs, limit):
    ids, _ = walk(api, "/api/v1/programs", limit)
    assert ids == [str(p.pk) for p in Program.objects.filter(slug__in=programs).order_by("pk")]


@pytest.mark.parametrize("limit", [1, 2, 100])
def test_walking_the_api_keys_sees_each_once(api, workspace, limit):
    for n in range(4):
        api_key_create(workspace=workspace, name=f"kunci {n}")
    ids, _ = walk(api, "/api/v1/api-keys", limit)
    assert ids == [str(pk) for pk in workspace.api_keys.order_by("pk").values_list("pk", flat=True)]
    assert len(ids) == 5


def test_rows_added_while_walking_come_on_a_later_page_and_nothing_repeats(api, people):
    first = api.get("/api/v1/participants?limit=4").json()
    time.sleep(0.002)  # ids are time-ordered to the millisecond
    newcomer = enrol("pelanggan", 99)
    seen = [item["id"] for item in first["items"]]
    after = first["next"]
    while after:
        page = api.get(f"/api/v1/participants?limit=4&after={after}").json()
        seen += [item["id"] for item in page["items"]]
        after = page["next"]
    assert len(seen) == len(set(seen)) == len(people) + 1
    assert seen[-1] == str(newcomer.pk)


def test_the_default_page_is_100(api, programs):
    program = Program.objects.get(slug="pelanggan")
    Participant.objects.bulk_create(
        Participant(
            workspace_id=program.workspace_id,
            program=program,
            email=f"p{n}@example.com",
            email_normalised=f"p{n}@example.com",
            kind="customer",
            code=f"BULK{n:04d}",
        )
        for n in range(101)
    )
    page = api.get("/api/v1/participants").json()
    assert len(page["items"]) == 100 and page["next"] == page["items"][-1]["id"]
    rest = api.get(f"/api/v1/participants?after={page['next']}").json()
    assert len(rest["items"]) == 1 and rest["next"] is None


@pytest.mark.parametrize("path", LISTS)
def test_an_empty_list_is_one_page_with_no_next(outsider_api, path):
    body = outsider_api.get(path).json()
    if path == "/api/v1/api-keys":
        assert len(body["items"]) == 1  # the outsider's own key
    else:
        assert body == {"items": [], "next": None}


# ---------------------------------------------------------------- participants' filters


def test_participants_by_program(api, people):
    ids, _ = walk(api, "/api/v1/participants?program=mitra", 2)
    # in id order (UUIDv7: by the millisecond, and at random within one, as core.ids says)
    assert ids == [str(p.pk) for p in sorted(people[7:], key=lambda p: p.pk)]
    assert api.get("/api/v1/participants?program=karyawan").json()["items"] == []
    assert api.get("/api/v1/participants?program=tidak-ada").json()["items"] == []


def test_participants_by_email_compared_normalised(api, people):
    andi = enrol("karyawan", 1, email="Andi.Wijaya@Example.COM")
    for typed in ("andi.wijaya@example.com", "ANDI.WIJAYA@EXAMPLE.COM", "Andi.Wijaya@example.com"):
        items = api.get(f"/api/v1/participants?email={typed}").json()["items"]
        assert [item["id"] for item in items] == [str(andi.pk)], typed
        assert items[0]["email"] == "Andi.Wijaya@Example.COM"


def test_participants_by_external_id_and_code_in_any_case(api, people):
    target = people[3]
    by_id = api.get(f"/api/v1/participants?external_id={target.external_id}").json()["items"]
    assert [item["id"] for item in by_id] == [str(target.pk)]
    for typed in (target.code, target.code.lower()):
        items = api.get(f"/api/v1/participants?code={typed}").json()["items"]
        assert [item["id"] for item in items] == [str(target.pk)]
    assert api.get("/api/v1/participants?code=bukan kode").json()["items"] == []


def test_participant_filters_combine(api, people):
    target = people[8]  # in mitra
    url = f"/api/v1/participants?program=mitra&external_id={target.external_id}"
    assert [item["id"] for item in api.get(url).json()["items"]] == [str(target.pk)]
    url = f"/api/v1/participants?program=pelanggan&external_id={target.external_id}"
    assert api.get(url).json()["items"] == []


def test_a_participant_item_has_the_enrolment_shape(api, people):
    item = api.get(f"/api/v1/participants?code={people[0].code}").json()["items"][0]
    assert set(item) >= {"id", "program", "external_id", "email", "name", "code", "referral_url"}
    assert item["referral_url"].endswith(f"/r/{people[0].code}")


# ---------------------------------------------------------------- referrals' filters


@pytest.fixture
def referrals(people):
    andi, budi, mitra = people[0], people[1], people[7]
    return {
        "andi": [refer(andi, 0), refer(andi, 1, status="flagged")],
        "budi": [refer(budi, 2, customer_external_id="cus_cari")],
        "mitra": [refer(mitra, 3, status="submitted", customer_external_id=None)],
    }


def ids_of(api, url):
    return [item["id"] for item in api.get(url).json()["items"]]


def test_referrals_by_each_filter(api, people, referrals):
    andi, budi = people[0], people[1]
    andis = sorted(str(r.pk) for r in referrals["andi"])
    assert ids_of(api, f"/api/v1/referrals?participant={andi.pk}") == andis
    assert ids_of(api, "/api/v1/referrals?program=mitra") == [str(referrals["mitra"][0].pk)]
    assert ids_of(api, "/api/v1/referrals?status=flagged") == [str(referrals["andi"][1].pk)]
    assert ids_of(api, "/api/v1/referrals?status=won") == []
    assert ids_of(api, "/api/v1/referrals?customer_external_id=cus_cari") == [
        str(referrals["budi"][0].pk)
    ]
    url = f"/api/v1/referrals?participant={budi.pk}&status=flagged"
    assert ids_of(api, url) == []


def test_a_referral_item_carries_the_documented_fields(api, people, referrals):
    referral = referrals["budi"][0]
    referral.first_sale_at = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
    referral.save()
    [item] = api.get("/api/v1/referrals?customer_external_id=cus_cari").json()["items"]
    assert item == {
        "id": str(referral.pk),
        "program": "pelanggan",
        "participant_id": str(people[1].pk),
        "status": "active",
        "customer_external_id": "cus_cari",
        "email": "teman2@example.com",
        "name": "Teman 2",
        "company": "PT Teman",
        "created_at": "2026-05-03T00:00:00Z",
        "first_sale_at": "2026-06-01T08:30:00Z",
        "cancelled_at": None,
    }


def test_a_tracked_signup_is_listed(api, participant):
    body = {
        "event_id": "signup-budi",
        "code": participant["code"],
        "customer": {"external_id": "cust_budi", "email": "budi@example.com", "name": "Budi"},
    }
    referral_id = api.post("/api/v1/track/signup", body).json()["referral_id"]
    [item] = api.get(f"/api/v1/referrals?participant={participant['id']}").json()["items"]
    assert item["id"] == referral_id and item["name"] == "Budi"


# ---------------------------------------------------------------- other workspaces


def test_another_workspace_sees_none_of_ours_whatever_the_filter(outsider_api, people, referrals):
    andi = people[0]
    for url in (
        "/api/v1/programs",
        "/api/v1/participants",
        "/api/v1/participants?program=pelanggan",
        f"/api/v1/participants?code={andi.code}",
        f"/api/v1/participants?email={andi.email}",
        f"/api/v1/participants?external_id={andi.external_id}",
        "/api/v1/referrals",
        f"/api/v1/referrals?participant={andi.pk}",
        "/api/v1/referrals?program=pelanggan&status=active",
        f"/api/v1/participants?after={andi.pk}",
    ):
        response = outsider_api.get(url)
        assert response.status_code == 200, (url, response.content)
        assert response.json() == {"items": [], "next": None}, url
    keys = outsider_api.get("/api/v1/api-keys").json()["items"]
    assert {key["prefix"] for key in keys}.isdisjoint(
        workspace_get_or_create(slug="toko-andalan")[0].api_keys.values_list("prefix", flat=True)
    )


def test_our_lists_leave_out_the_other_workspaces_rows(api, outsider_api, people):
    outsider_api.post("/api/v1/programs", PROGRAM_BODY)
    outsider_api.post("/api/v1/participants", {"program": "pelanggan", "email": "luar@example.com"})
    ids, _ = walk(api, "/api/v1/participants", 3)
    assert len(ids) == len(people)
    assert len(walk(api, "/api/v1/programs", 1)[0]) == 3


@pytest.mark.parametrize("path", LISTS)
def test_lists_need_a_secret_key(anonymous_api, publishable_api, path):
    assert_problem(anonymous_api.get(path), 401)
    assert_problem(publishable_api.get(path), 403)


# ---------------------------------------------------------------- bad parameters


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        ("/api/v1/participants?limit=0", "limit"),
        ("/api/v1/participants?limit=1001", "limit"),
        ("/api/v1/participants?limit=lima", "limit"),
        ("/api/v1/participants?limit=-5", "limit"),
        ("/api/v1/participants?after=bukan-id", "after"),
        ("/api/v1/participants?email=bukan-email", "email"),
        ("/api/v1/participants?external_id=a%00b", "external_id"),
        ("/api/v1/participants?program=a%00b", "program"),
        ("/api/v1/participants?code=" + "X" * 33, "code"),
        ("/api/v1/referrals?participant=123", "participant"),
        ("/api/v1/referrals?status=menang", "status"),
        ("/api/v1/referrals?after=xyz", "after"),
        ("/api/v1/referrals?customer_external_id=%01", "customer_external_id"),
        ("/api/v1/programs?after=pelanggan", "after"),
        ("/api/v1/programs?limit=0", "limit"),
        ("/api/v1/api-keys?after=abc", "after"),
        ("/api/v1/api-keys?after=-1", "after"),
        ("/api/v1/api-keys?after=99999999999999999999999", "after"),
        ("/api/v1/api-keys?limit=2000", "limit"),
    ],
)
def test_bad_parameters_are_a_422_problem_naming_the_parameter(api, path, loc):
    body = assert_problem(api.get(path), 422)
    assert body["errors"][0]["loc"] == ["query", loc], body


def test_an_after_that_names_no_row_still_pages_from_there(api, people):
    # An id of another workspace, or one that never existed, is only a position.
    response = api.get("/api/v1/participants?after=00000000-0000-7000-8000-000000000000")
    assert len(response.json()["items"]) == len(people)
    response = api.get("/api/v1/participants?after=ffffffff-ffff-7fff-bfff-ffffffffffff")
    assert response.json() == {"items": [], "next": None}
