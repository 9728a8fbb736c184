"""Foreign keys that lead a composite index lose their own index: one index less to write
per row (bench/track.py). The state changes as AlterField; the database only drops the index
(DROP INDEX on both databases, where AlterField would rebuild the whole table on SQLite)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0009_campaigncode"),
        ("programs", "0007_partner_tier"),
        ("rewards", "0007_attribution_share"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="participant",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="participants.participant",
                    ),
                ),
                migrations.AlterField(
                    model_name="reward",
                    name="participant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rewards",
                        to="participants.participant",
                    ),
                ),
                migrations.AlterField(
                    model_name="reward",
                    name="program",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rewards",
                        to="programs.program",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "rewards_ledgerentry_participant_id_12261fef"',
                    'CREATE INDEX "rewards_ledgerentry_participant_id_12261fef" ON "rewards_ledgerentry" ("participant_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "rewards_reward_participant_id_8b6b24c3"',
                    'CREATE INDEX "rewards_reward_participant_id_8b6b24c3" ON "rewards_reward" ("participant_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "rewards_reward_program_id_7b49585c"',
                    'CREATE INDEX "rewards_reward_program_id_7b49585c" ON "rewards_reward" ("program_id")',
                ),
            ],
        ),
    ]
