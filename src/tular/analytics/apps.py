from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "tular.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        # The daily rollups: changes to the source rows mark their (program, day) buckets.
        from tular.analytics import rollups

        rollups.connect()
