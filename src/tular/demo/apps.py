from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`tular up --demo`: demo programs, people and their history (no models of its own)."""

    name = "tular.demo"
    label = "demo"
