from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "tular.workspaces"
    label = "workspaces"
