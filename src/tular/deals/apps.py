from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "tular.deals"
    label = "deals"
