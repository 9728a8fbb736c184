from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "tular.programs"
    label = "programs"
