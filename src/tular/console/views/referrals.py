"""Console pages: referrals (being built)."""

urlpatterns = []
