"""The console's pages, one module per area; each module exports its `urlpatterns`.

Views are thin: they parse a form, call the same service function as the API endpoint, and
render. Rules live in the services (`tular.<app>.services`), reads in selectors."""
