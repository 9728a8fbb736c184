"""Console pages: participants (being built)."""

urlpatterns = []
