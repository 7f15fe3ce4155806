"""Fails when a model holding personal data is not covered by export and erasure."""

from mentorscheme.privacy import registry
from mentorscheme.privacy.erasure import ERASERS
from mentorscheme.privacy.export import EXPORTERS


def test_every_model_with_personal_data_is_exported_and_erased(db):
    assert registry.coverage_problems() == []


def test_it_finds_personal_data_through_links_and_declarations():
    found = {registry.label(m) for m in registry.personal_models()}
    # directly, through another record, by email field, and declared
    assert {"members.member", "training.booking"} <= found
    assert {"mentoring.meeting", "account.emailconfirmation"} <= found
    assert "contact.feedback" in found
    assert "django_tasks_database.dbtaskresult" in found
    assert not {"members.region", "scheme.qualification"} & found


def test_it_reports_a_model_left_out(db):
    exporters = {k: v for k, v in EXPORTERS.items() if k != "mentoring.meeting"}
    erasers = {k: v for k, v in ERASERS.items() if k != "training.booking"}
    assert registry.coverage_problems(exporters, erasers) == [
        "mentoring.meeting holds personal data but is not exported",
        "training.booking holds personal data but is not erased",
    ]


def test_it_reports_an_entry_that_is_not_personal_data(db):
    exporters = EXPORTERS | {"members.region": EXPORTERS["members.member"]}
    assert registry.coverage_problems(exporters) == [
        "EXPORTERS names members.region, not a personal-data model"
    ]
