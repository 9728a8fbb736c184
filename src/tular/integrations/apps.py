from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "tular.integrations"
    label = "integrations"
