from django.apps import AppConfig

from madoguchi.accounts.roles import Role


class JobsConfig(AppConfig):
    name = "madoguchi.jobs"
    label = "jobs"
    verbose_name = "バックグラウンド処理"
    # Everyone sees their own jobs; managers see every job (to notice a stuck one and who started it).
    role_permissions = {
        Role.SITE_MANAGER: ["jobs.view_all_jobs"],
        Role.DIRECTOR: ["jobs.view_all_jobs"],
        Role.ADMIN: ["jobs.view_all_jobs"],
    }
    nav_items = [("処理の状況", "jobs:list", None)]

    def ready(self) -> None:
        # Each app declares its job kinds in `<app>/jobs.py`; import them so kinds are registered in every
        # process (web, worker, scheduler). Those modules import heavy libraries inside their functions only.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
