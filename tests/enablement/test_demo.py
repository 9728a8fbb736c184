"""`tular up --demo` fills the partner program's asset library and training: real files that
passed the checks, a published module with a quiz, certificates that count toward tiers."""

import pytest

from tular.enablement.models import Asset, TrainingCompletion, TrainingModule
from tular.enablement.services import certificates_count


@pytest.fixture
def demo(demo_workspace, db):
    return demo_workspace[0]


def test_the_demo_has_assets_and_training(demo, settings):
    settings.MEDIA_ROOT = settings.DATA_DIR / "media"  # where the module's demo wrote them
    assets = Asset.objects.filter(workspace=demo, program__slug="mitra-reseller")
    assert {a.extension for a in assets if not a.is_link} == {"pdf", "png", "xlsx"}
    for asset in assets.exclude(file=""):
        with asset.file.open("rb") as handle:
            assert len(handle.read()) == asset.size > 0
    modules = TrainingModule.objects.filter(program__slug="mitra-reseller")
    assert modules.filter(published=True, counts_toward_tier=True).exclude(quiz=[]).exists()
    completions = TrainingCompletion.objects.filter(module__program__slug="mitra-reseller")
    holders = {c.participant_id for c in completions if c.certificate_number}
    assert len(holders) == 3
    assert certificates_count(participant_ids=holders) == dict.fromkeys(holders, 1)
