"""Forms that look like the rest of the product and show each error beside its field.

Every form of the console and portal mixes in `StyledForm`: widgets get the CSS framework's
classes (and `is-invalid` when the field has an error), and `{{ form }}` renders through
templates/ui/form.html and ui/field.html (settings.FORM_RENDERER): label, widget, help, error.
"""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting

CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


class UIRenderer(TemplatesSetting):
    """The project's template engine (templates/ui/…), Django's own widgets (django.forms)."""

    form_template_name = "ui/form.html"
    field_template_name = "ui/field.html"


class StyledForm:
    """Mix into a Form or ModelForm (first in the bases)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, CHECK_WIDGETS):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{existing} {css}".strip()

    def full_clean(self):
        super().full_clean()
        # Mark the fields that failed now that the errors are known (validation runs lazily).
        for name in getattr(self, "_errors", None) or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"{self.add_prefix(name)}-error"
