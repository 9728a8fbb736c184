from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tular.core"
    label = "core"
