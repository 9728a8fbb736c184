"""`tular up --demo` ends with the rollups built: the demo's figures are there, nothing is left
for the worker, and they equal the figures recomputed from the demo's rows."""

from tests.analytics.test_rollups import recompute, stats, stored
from tular.analytics.models import DayFigure, RollupMark
from tular.programs.models import Program


def test_the_demo_ends_with_its_rollups_built(demo_workspace, db):
    workspace, _ = demo_workspace
    programs = list(Program.objects.filter(workspace=workspace).values_list("pk", flat=True))
    assert programs
    assert not RollupMark.objects.exists()
    keys = set(DayFigure.objects.filter(program_id__in=programs).values_list("key", flat=True))
    assert {"clicks", "referrals", "sales", "revenue", "rewards", "leads", "won"} <= keys
    assert (stored(), stats()) == recompute()
