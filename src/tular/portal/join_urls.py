"""The programs' landing pages, /join/{program_slug} (R10)."""

app_name = "join"
urlpatterns = []
