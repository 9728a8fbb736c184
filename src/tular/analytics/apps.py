from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "tular.analytics"
    label = "analytics"
    verbose_name = "Analytics"
