"""Authentication backends that read the signed-in account with one written query.

Every signed-in request loads its account by id; Django's ORM spends longer building
that query than the database spends answering it. Signing in is unchanged: Django's
and allauth's own backends, of which these are subclasses.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import backends, get_user_model


def _user_by_id(backend, user_id):
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    model = get_user_model()
    table = model._meta.db_table
    found = list(
        model._default_manager.raw(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608 - our own table name
    )
    if not found or not backend.user_can_authenticate(found[0]):
        return None
    return found[0]


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        return _user_by_id(self, user_id)


class AccountBackend(AuthenticationBackend):
    def get_user(self, user_id):
        return _user_by_id(self, user_id)
