"""``manage.py allocate``: a proposal only, checked against the rules on demo data."""

import io
import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from mentorscheme.demo.seed import seed_demo
from mentorscheme.mentoring import selectors as mentoring_selectors
from mentorscheme.mentoring.models import MentoringRelationship, MentoringRequest
from mentorscheme.mentors import selectors as mentor_selectors
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.oversight import selectors
from mentorscheme.oversight.management.commands import allocate
from mentorscheme.oversight.models import AllocationRun
from mentorscheme.scheme import eligibility
from tests import factories as f


@pytest.fixture
def demo(db):
    seed_demo(seed=1, members=1500)


def run_allocate(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("allocate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def written() -> tuple[int, int, int]:
    return (
        MentoringRequest.objects.count(),
        MentoringRelationship.objects.count(),
        AllocationRun.objects.count(),
    )


def test_every_proposed_pair_passes_the_rules_and_no_mentor_is_overfilled(demo):
    before = written()
    out, _ = run_allocate("--json")
    proposal = json.loads(out)
    assert written() == before

    candidates = {
        c.id: c
        for c in mentoring_selectors.candidate_records(
            selectors.waiting_enrolments(None)
        )
    }
    mentors = {
        m.id: m
        for m in mentor_selectors.mentor_records(
            MentorProfile.objects.filter(status=MentorStatus.LISTED)
        )
    }
    pairs, unmatched = proposal["pairs"], proposal["unmatched"]
    assert len(pairs) >= 5, "the demo data should give a real allocation"
    assert proposal["matched"] == len(pairs)
    for pair in pairs:
        candidate, mentor = candidates[pair["candidate_id"]], mentors[pair["mentor_id"]]
        assert eligibility.check(candidate, mentor) == [], pair
        assert mentor.id not in candidate.excluded_mentor_ids
        assert pair["candidate_member_id"] == candidate.member_id
        assert all(r["code"] and r["text"] for r in pair["reasons"])
    load = Counter(p["mentor_id"] for p in pairs)
    for mentor_id, taken in load.items():
        assert taken <= mentors[mentor_id].free_places, mentor_id
    placed = [p["candidate_id"] for p in pairs] + [u["candidate_id"] for u in unmatched]
    assert sorted(placed) == sorted(candidates), "each waiting candidate exactly once"
    for row in unmatched:
        assert row["code"] and row["reason"]
    assert proposal["inputs"]["candidates_waiting"] == len(candidates)


def test_a_region_limits_the_candidates_but_not_the_mentors(demo, monkeypatch):
    monkeypatch.setattr(allocate, "LARGE_RUN", 1)
    out, err = run_allocate("--region", "london", "--json")
    assert "load candidates" in err, "progress goes to stderr, stdout stays JSON"
    proposal = json.loads(out)
    assert proposal["region"] == "london"
    waiting = selectors.waiting_enrolments({f.region("london").pk})
    london = set(waiting.values_list("pk", flat=True))
    ids = {p["candidate_id"] for p in proposal["pairs"] + proposal["unmatched"]}
    assert ids == london
    mentor_regions = set(
        MentorProfile.objects.filter(
            pk__in=[p["mentor_id"] for p in proposal["pairs"]]
        ).values_list("member__region__code", flat=True)
    )
    assert mentor_regions - {"london"}, "mentors come from every region"

    out, _ = run_allocate("--region", "london")
    assert f"Proposed {proposal['matched']} pairs" in out
    assert "Nothing has been saved or sent." in out


def test_an_unknown_region_is_refused_with_the_codes(db):
    with pytest.raises(CommandError, match="No region 'atlantis'.*london"):
        run_allocate("--region", "atlantis")
