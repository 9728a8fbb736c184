"""A base for the admin pages whose objects are written by a service, never by the form."""

from django.contrib import admin


class SavedByServiceAdmin(admin.ModelAdmin):
    """`save_form` calls the service (validation, audit) and returns the saved object; the
    admin's own saving of the object is skipped, its inlines are saved as usual."""

    def save_form(self, request, form, change):
        raise NotImplementedError("save through the app's service")

    def save_model(self, request, obj, form, change):
        pass  # saved in save_form, through the service

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
