"""Managers created before the console existed become owners of every workspace."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def staff_become_owners(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Workspace = apps.get_model("workspaces", "Workspace")
    Membership = apps.get_model("workspaces", "Membership")
    now = timezone.now()
    workspaces = list(Workspace.objects.all())
    for user in User.objects.filter(is_staff=True):
        for workspace in workspaces:
            Membership.objects.get_or_create(
                workspace=workspace, user=user, defaults={"role": "owner", "created_at": now}
            )


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0003_console_members")]

    operations = [migrations.RunPython(staff_become_owners, migrations.RunPython.noop)]
