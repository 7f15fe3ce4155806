import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from mentorscheme.members.models import Region
from mentorscheme.oversight import selectors

#: Runs with at least this many waiting candidates report progress on stderr.
LARGE_RUN = 1000


class Command(BaseCommand):
    help = (
        "Propose a bulk allocation of mentors to the candidates waiting in a region "
        "(or the whole country), for review. Nothing is saved or sent: publish from "
        "the oversight pages."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--region", metavar="CODE", help="A region's code; all regions if left out."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print the proposal as JSON: pairs and unmatched, with reasons.",
        )

    def handle(self, *args, region=None, as_json=False, **options):
        region_ids = None
        if region:
            found = Region.objects.filter(code=region).first()
            if found is None:
                codes = ", ".join(Region.objects.values_list("code", flat=True))
                raise CommandError(f"No region {region!r}. Regions: {codes}.")
            region_ids = frozenset({found.pk})
        waiting = selectors.waiting_enrolments(region_ids).count()
        progress = _Progress(self.stderr) if waiting >= LARGE_RUN else None
        proposal = selectors.allocation_proposal(region_ids, progress=progress)
        proposal = {"region": region, **proposal}
        if as_json:
            self.stdout.write(json.dumps(proposal, indent=2, ensure_ascii=False))
        else:
            self._summary(proposal)

    def _summary(self, proposal: dict) -> None:
        inputs = proposal["inputs"]
        self.stdout.write(
            f"{inputs['candidates_waiting']} candidates waiting; "
            f"{inputs['mentors_with_free_places']} mentors with "
            f"{inputs['free_places']} free places."
        )
        if inputs["candidates_awaiting_allocation_requests"] or inputs["places_held"]:
            self.stdout.write(
                "Left out, as waiting for an answer to an earlier allocation's "
                f"requests: {inputs['candidates_awaiting_allocation_requests']} "
                f"candidates, and {inputs['places_held']} mentors' places."
            )
        self.stdout.write(
            f"Proposed {proposal['matched']} pairs "
            f"(total score {proposal['total_score']}); "
            f"{len(proposal['unmatched'])} candidates unmatched."
        )
        for pair in proposal["pairs"]:
            reasons = "; ".join(r["text"] for r in pair["reasons"]) or "allowed"
            self.stdout.write(
                f"  enrolment {pair['candidate_id']} -> mentor {pair['mentor_id']} "
                f"({pair['score']}): {reasons}"
            )
        for row in proposal["unmatched"]:
            self.stdout.write(
                f"  enrolment {row['candidate_id']} unmatched: {row['reason']}"
            )
        self.stdout.write("Nothing has been saved or sent.")


class _Progress:
    """Progress lines on stderr, at most one a second per stage."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.last: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last.get(stage, 0.0) < 1.0:
            return
        self.last[stage] = now
        self.stream.write(f"{stage}: {done}/{total}")
