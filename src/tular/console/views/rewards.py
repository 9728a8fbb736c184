"""Console pages: rewards (being built)."""

urlpatterns = []
