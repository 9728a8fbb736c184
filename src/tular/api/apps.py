from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tular.api"
    label = "api"
