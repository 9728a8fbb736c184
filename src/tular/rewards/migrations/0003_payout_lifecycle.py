from django.db import migrations, models


class Migration(migrations.Migration):
    """Payouts go draft → sent → paid / failed (the data follows in 0004)."""

    dependencies = [("rewards", "0002_payoutitem")]

    operations = [
        migrations.AddField(
            model_name="payout",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.AddField(
            model_name="payout",
            name="failed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="failed at"),
        ),
        migrations.AddField(
            model_name="payout",
            name="failure_reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="why it failed"),
        ),
        migrations.AddField(
            model_name="payoutitem",
            name="reversed_after_send",
            field=models.BigIntegerField(default=0, verbose_name="reversed after it was sent"),
        ),
        migrations.AlterField(
            model_name="payout",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "draft"),
                    ("sent", "sent"),
                    ("paid", "paid"),
                    ("failed", "failed"),
                ],
                default="draft",
                max_length=8,
                verbose_name="status",
            ),
        ),
    ]
