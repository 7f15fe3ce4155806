"""The kept migrated test database is made again whenever what migrating reads changes."""

from pathlib import Path

from tests import migrated_database

SCHEME = Path(migrated_database.ROOT) / "mentorscheme" / "scheme"


def test_the_reference_data_a_migration_loads_is_part_of_the_kept_databases_name():
    folders = [SCHEME / "migrations"]
    assert SCHEME / "reference.py" in migrated_database._named_by(folders)


def test_a_change_to_that_reference_data_names_another_database(monkeypatch):
    before = migrated_database._migrations_key()
    reference = SCHEME / "reference.py"
    original = Path.read_bytes

    def read_bytes(path):
        data = original(path)
        return data + b"\n# changed" if path == reference else data

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert migrated_database._migrations_key() != before
