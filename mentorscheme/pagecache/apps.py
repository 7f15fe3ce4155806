from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PageCacheConfig(AppConfig):
    name = "mentorscheme.pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from mentorscheme.pagecache import triggers

        post_migrate.connect(triggers.install_after_migrate, sender=self)
