from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "tular.partners"
    label = "partners"
