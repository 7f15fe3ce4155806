"""The kept migrated test database is made again whenever what migrating reads changes."""

from pathlib import Path

import pytest
from django.apps import apps
from django.db import connections

from tests import migrated_database

SCHEME = Path(migrated_database.ROOT) / "mentorscheme" / "scheme"


@pytest.fixture
def migrating():
    if migrated_database.migrations_off():
        pytest.skip("This run builds its database without migrations: none is kept.")


def test_the_reference_data_a_migration_loads_is_part_of_the_kept_databases_name(
    migrating,
):
    folders = [SCHEME / "migrations"]
    assert SCHEME / "reference.py" in migrated_database._named_by(folders)


def test_a_change_to_that_reference_data_names_another_database(migrating, monkeypatch):
    before = migrated_database._migrations_key()
    reference = SCHEME / "reference.py"
    original = Path.read_bytes

    def read_bytes(path):
        data = original(path)
        return data + b"\n# changed" if path == reference else data

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert migrated_database._migrations_key() != before


def test_a_run_without_migrations_neither_keeps_nor_reuses_a_database(
    monkeypatch, settings, tmp_path
):
    creation = connections["default"].creation
    built = []
    monkeypatch.setattr(
        creation, "create_test_db", lambda *args, **kwargs: built.append(1) or "db"
    )
    settings.MIGRATION_MODULES = {}
    kept = tmp_path / f"{migrated_database._migrations_key()}.sqlite3"
    kept.write_bytes(b"a database a run with migrations kept")
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    migrated_database.use_kept_database(monkeypatch, tmp_path, afresh=False)
    assert creation.create_test_db() == "db" and built == [1]
    assert list(tmp_path.iterdir()) == [kept]
    assert migrated_database.kept_database(tmp_path) is None
