"""Console pages: settings (being built)."""

urlpatterns = []
