import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentors import directory
from mentorscheme.mentors import services as mentors


class Command(BaseCommand):
    help = (
        "The scheme's periodic work, for a scheduler to run (hourly is plenty): "
        "delist lapsed mentors, remind and expire unanswered requests, flag "
        "candidates waiting too long. Running it twice changes nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, help="Run as if on this date."
        )

    def handle(self, *args, today=None, **options):
        now = timezone.now()
        if today:
            now = timezone.make_aware(
                datetime.datetime.combine(today, datetime.time(12))
            )
        lapses = mentors.mentor_lapse_check(today=now.date())
        requests = mentoring.requests_remind_and_expire(now=now)
        questions = mentoring.unanswered_questions_remind_and_expire(now=now)
        flagged = mentoring.flag_waiting_candidates(today=now.date())
        directory.prune_changes()
        self.stdout.write(
            f"Mentors delisted {lapses['delisted']}, relisted {lapses['relisted']}; "
            f"requests reminded {requests['reminded']}, expired {requests['expired']}; "
            f"unanswered questions reminded {questions['reminded']}, "
            f"expired {questions['expired']}; "
            f"candidates flagged {flagged}."
        )
