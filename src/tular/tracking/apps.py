from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tular.tracking"
    label = "tracking"
