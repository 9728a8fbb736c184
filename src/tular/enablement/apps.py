from django.apps import AppConfig


class EnablementConfig(AppConfig):
    name = "tular.enablement"
    label = "enablement"
