"""First to register wins, also under concurrency: 50 partners register one company at the same
moment, each on its own PostgreSQL connection; the unique partial index lets exactly one hold
it and the 49 others are stored as conflicts. (SQLite serialises writers: PostgreSQL only.)"""

import time

from tests.deals.conftest import make_partner, make_partner_program, register
from tests.helpers import in_parallel, needs_parallel_connections
from tular.deals.models import Deal
from tular.workspaces.services import workspace_get_or_create

pytestmark = needs_parallel_connections

PARTNERS = 50


def test_fifty_partners_register_one_domain_at_once_one_holds_it(capsys):
    workspace = workspace_get_or_create(slug="toko-andalan", name="Toko Andalan")[0]
    program = make_partner_program(workspace)
    partners = [make_partner(program, f"mitra_{index:02d}") for index in range(PARTNERS)]
    # Each partner types the domain its own way: one company all the same.
    spellings = ["maju.co.id", "https://www.maju.co.id/", "MAJU.CO.ID", "a.maju.co.id:443"]

    started = time.perf_counter()
    results, errors = in_parallel(
        PARTNERS,
        lambda index: register(program, partners[index], domain=spellings[index % 4]),
    )
    elapsed = time.perf_counter() - started

    assert errors == [None] * PARTNERS
    holders = [result for result in results if not result.conflict]
    conflicts = [result for result in results if result.conflict]
    assert len(holders) == 1
    assert len(conflicts) == PARTNERS - 1
    holder = holders[0].deal
    assert {result.protected_until for result in conflicts} == {holder.expires_at}
    rows = Deal.objects.filter(program=program)
    assert rows.filter(status__in=["pending", "approved"]).count() == 1
    assert rows.filter(status="conflict").count() == PARTNERS - 1
    assert set(rows.filter(status="conflict").values_list("conflict_with", flat=True)) == {
        holder.pk
    }
    assert rows.values("partner").distinct().count() == PARTNERS
    with capsys.disabled():
        print(
            f"\n[deals] {PARTNERS} parallel registrations of one domain: 1 holder, "
            f"{len(conflicts)} conflicts in {elapsed:.2f} s "
            f"({elapsed / PARTNERS * 1000:.1f} ms per registration wall time)"
        )
