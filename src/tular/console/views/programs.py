"""Console pages: programs (being built)."""

urlpatterns = []
