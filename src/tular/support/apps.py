from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "tular.support"
    label = "support"
