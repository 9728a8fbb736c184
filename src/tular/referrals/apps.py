from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "tular.referrals"
    label = "referrals"
