from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "tular.rewards"
    label = "rewards"
