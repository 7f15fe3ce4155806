"""The SQLite test database, migrated once and kept between runs.

Running every migration takes each pytest worker about four seconds of work, on every
run. So the database the migrations build is copied into .pytest_cache, under a name
made from what the migrations read (every installed app's migration files, the
guidance pages their data migrations load, the project's modules a migration names,
Django's version); a later run, or the other workers of this one, copy it into their
in-memory test database instead of migrating. A migration that reads another file
must add its folder to ``READ_BY``.
``pytest --create-db`` migrates afresh. PostgreSQL test databases are made as usual,
and so is any database built without migrations (``pytest --nomigrations``): it is
neither kept nor made from a kept copy.
"""

import hashlib
import os
import re
import sqlite3
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[1]
#: Folders of files the data migrations read, beside the migrations themselves.
READ_BY = [ROOT / "mentorscheme" / "guidance" / "pages"]


def use_kept_database(monkeypatch, folder: Path, *, afresh: bool) -> None:
    """Make the default database's test copy from the kept one in ``folder``, or
    migrate it (``afresh``, or when nothing is kept yet) and keep it there."""
    connection = connections["default"]
    creation = connection.creation
    if connection.vendor != "sqlite" or not creation.is_in_memory_db(
        creation._get_test_db_name()
    ):
        return
    migrate = creation.create_test_db

    def create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        if migrations_off():
            return migrate(verbosity, autoclobber, serialize, keepdb)
        kept = folder / f"{_migrations_key()}.sqlite3"
        if afresh or not kept.exists():
            name = migrate(verbosity, autoclobber, serialize, keepdb)
            _keep(connection, kept)
            return name
        return _copy_kept(connection, kept, serialize=serialize)

    monkeypatch.setattr(creation, "create_test_db", create_test_db)


def migrations_off() -> bool:
    """Whether test databases are built from the models instead of the migrations
    (pytest-django's ``--nomigrations``, or ``settings.MIGRATION_MODULES`` naming
    no module): such a database lacks what the data migrations load."""
    return any(
        MigrationLoader.migrations_module(app.label)[0] is None
        for app in apps.get_app_configs()
    )


def kept_database(folder: Path) -> Path | None:
    """The kept migrated database, if there is one for these migrations."""
    if migrations_off():
        return None
    kept = folder / f"{_migrations_key()}.sqlite3"
    return kept if kept.exists() else None


def _migrations_key() -> str:
    digest = hashlib.sha256(django.get_version().encode())
    folders = []
    for app in apps.get_app_configs():
        module_name, _ = MigrationLoader.migrations_module(app.label)
        if module_name is None:
            continue  # its migrations are turned off
        try:
            module = import_module(module_name)
        except ImportError:
            continue  # an app without migrations
        folders.append(Path(module.__file__).parent)
    for folder in [*folders, *READ_BY]:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(folder.parent)).encode())
                digest.update(path.read_bytes())
    for path in _named_by(folders):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _named_by(folders: list[Path]) -> list[Path]:
    """The project's own modules the migrations name (reference data they load, a
    model's manager or default): what they hold is part of what migrating builds."""
    names = set()
    for folder in folders:
        for path in folder.glob("*.py"):
            text = path.read_text()
            names.update(re.findall(r"mentorscheme(?:\.\w+)+", text))
            for module, name in re.findall(
                r"from (mentorscheme[.\w]*) import (\w+)", text
            ):
                names.add(f"{module}.{name}")
    found = set()
    for name in names:
        while "." in name:  # mentorscheme.members.models.UserManager: the module part
            try:
                spec = find_spec(name)
            except ImportError:  # a name inside a module, not a module
                spec = None
            if spec and spec.origin:
                found.add(Path(spec.origin))
                break
            name = name.rpartition(".")[0]
    return sorted(found)


def _keep(connection, kept: Path) -> None:
    """Copy the freshly migrated test database to ``kept``; forget older ones."""
    kept.parent.mkdir(parents=True, exist_ok=True)
    partial = kept.with_name(f"{kept.stem}.{os.getpid()}.partial")
    copy = sqlite3.connect(partial)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()
    os.replace(partial, kept)  # another worker may be writing the same: either wins
    for old in kept.parent.glob("*.sqlite3"):
        if old != kept:
            old.unlink(missing_ok=True)


def _copy_kept(connection, kept: Path, *, serialize: bool) -> str:
    """What ``create_test_db`` does, with a copy of ``kept`` in place of migrating."""
    creation = connection.creation
    name = creation._get_test_db_name()
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()
    source = sqlite3.connect(kept)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    if serialize:
        connection._test_serialized_contents = creation.serialize_db_to_string()
    call_command("createcachetable", database=connection.alias)
    return name
