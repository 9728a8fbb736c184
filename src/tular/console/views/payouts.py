"""Console pages: payouts (being built)."""

urlpatterns = []
