from django.db import migrations


def open_to_draft(apps, schema_editor):
    Payout = apps.get_model("rewards", "Payout")
    Payout.objects.filter(status="open").update(status="draft")


def draft_to_open(apps, schema_editor):
    Payout = apps.get_model("rewards", "Payout")
    Payout.objects.filter(status__in=("draft", "sent")).update(status="open")


class Migration(migrations.Migration):
    """A payout still `open` (made, not yet paid) is a `draft` now."""

    dependencies = [("rewards", "0003_payout_lifecycle")]

    operations = [migrations.RunPython(open_to_draft, draft_to_open)]
