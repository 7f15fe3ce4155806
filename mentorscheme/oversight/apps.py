from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models.signals import post_migrate

from mentorscheme.members import changes
from mentorscheme.mentors import changes as mentors


class OversightConfig(AppConfig):
    name = "mentorscheme.oversight"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from mentorscheme.oversight import figures, signals  # noqa: PLC0415

        # The dashboard's rows follow every change the services make to what they
        # count, and an import's rewrite of regions and memberships.
        mentors.on_counts_changed(figures.counts_changed)
        changes.on_import_written(figures.import_written)
        # And every other save of what they count (the Django admin above all).
        signals.connect()
        post_migrate.connect(fill_figures, sender=self)


def fill_figures(using=DEFAULT_DB_ALIAS, plan=None, **kwargs):
    """Work the dashboard's rows out once a database that has records but no rows
    (one migrated from before the rows existed) is migrated forwards to the end.
    The working out is the app's own code, run once every migration is in, so no
    migration depends on it; a migration backwards, or to a point before the end,
    leaves the rows alone."""
    from mentorscheme.oversight import figures  # noqa: PLC0415  (the registry is ready)

    if using != DEFAULT_DB_ALIAS or any(backwards for _, backwards in plan or ()):
        return
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return  # not every migration is in
    if figures.missing():
        figures.rebuild()
