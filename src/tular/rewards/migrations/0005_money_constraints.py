from django.db import migrations, models


class Migration(migrations.Migration):
    """What must never be written, whatever the code above does: a payout item of zero or less,
    two rewards of one rule for one recipient and one sale (or one referral, for the rules that
    fire on the referral), a negative reward, a reversal beyond the reward."""

    dependencies = [("rewards", "0004_open_payouts_are_drafts")]

    operations = [
        migrations.AddConstraint(
            model_name="payoutitem",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)), name="payout_item_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="payoutitem",
            constraint=models.CheckConstraint(
                condition=models.Q(("netted__lte", 0)), name="payout_item_netted"
            ),
        ),
        migrations.AddConstraint(
            model_name="payoutitem",
            constraint=models.CheckConstraint(
                condition=models.Q(("reversed_after_send__gte", 0)),
                name="payout_item_reversed_after_send",
            ),
        ),
        migrations.AddConstraint(
            model_name="reward",
            constraint=models.UniqueConstraint(
                condition=models.Q(("conversion__isnull", False)),
                fields=("conversion", "rule_index", "participant"),
                name="reward_once_per_conversion",
            ),
        ),
        migrations.AddConstraint(
            model_name="reward",
            constraint=models.UniqueConstraint(
                condition=models.Q(("conversion__isnull", True)),
                fields=("referral", "rule_index", "participant"),
                name="reward_once_per_referral",
            ),
        ),
        migrations.AddConstraint(
            model_name="reward",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__isnull", True), ("amount__gte", 0), _connector="OR"),
                name="reward_amount_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="reward",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amount__isnull", True), ("reversed_amount", 0)),
                    models.Q(
                        ("amount__isnull", False),
                        ("reversed_amount__gte", 0),
                        ("reversed_amount__lte", models.F("amount")),
                    ),
                    _connector="OR",
                ),
                name="reward_reversed_within_amount",
            ),
        ),
    ]
