"""The audit log: one call records who did what to what.

Other apps call ``record`` from inside their own service functions (one line), so
the entry commits or rolls back with the action itself. ``record_data_export`` and
``record_erasure`` are for data-protection work done elsewhere.
"""

from django.db import models

from mentorscheme.audit.models import AuditAction, AuditEntry

__all__ = ["AuditAction", "record", "record_data_export", "record_erasure"]


def _describe(target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk), str(target)[:300]
    return "", "", str(target)[:300]


def record(
    *, actor, action: str, target=None, details: dict | None = None
) -> AuditEntry:
    """Append one entry. ``actor`` is a user (None for the system), ``target`` a
    model instance or a plain description."""
    target_type, target_id, description = _describe(target)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_label=getattr(user, "email", "") or "system",
        action=AuditAction(action),
        target_type=target_type,
        target_id=target_id,
        target_description=description,
        details=details or {},
    )


def record_data_export(*, actor, what: str, details: dict | None = None) -> AuditEntry:
    """A download of personal or scheme data (a report, a member's own data...)."""
    return record(
        actor=actor, action=AuditAction.DATA_EXPORTED, target=what, details=details
    )


def record_erasure(*, actor, member, details: dict | None = None) -> AuditEntry:
    """A member's personal data erased: the entry names the record by its id only,
    so that it holds nothing about who they were."""
    return record(
        actor=actor,
        action=AuditAction.DATA_ERASED,
        target=f"Member record {getattr(member, 'pk', '')}".strip(),
        details={"member_id": getattr(member, "pk", None), **(details or {})},
    )
