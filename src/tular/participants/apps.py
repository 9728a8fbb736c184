from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "tular.participants"
    label = "participants"
