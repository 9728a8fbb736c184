"""Foreign keys that lead a composite index lose their own index: one index less to write
per row (bench/track.py). The state changes as AlterField; the database only drops the index
(DROP INDEX on both databases, where AlterField would rebuild the whole table on SQLite)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0009_campaigncode"),
        ("programs", "0007_partner_tier"),
        ("referrals", "0005_insight"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="conversion",
                    name="program",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="programs.program",
                    ),
                ),
                migrations.AlterField(
                    model_name="referral",
                    name="participant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="referrals",
                        to="participants.participant",
                        verbose_name="referrer",
                    ),
                ),
                migrations.AlterField(
                    model_name="referral",
                    name="program",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="referrals",
                        to="programs.program",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "referrals_conversion_program_id_8eca3a66"',
                    'CREATE INDEX "referrals_conversion_program_id_8eca3a66" ON "referrals_conversion" ("program_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "referrals_referral_participant_id_fa768a47"',
                    'CREATE INDEX "referrals_referral_participant_id_fa768a47" ON "referrals_referral" ("participant_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "referrals_referral_program_id_940eef5f"',
                    'CREATE INDEX "referrals_referral_program_id_940eef5f" ON "referrals_referral" ("program_id")',
                ),
            ],
        ),
    ]
