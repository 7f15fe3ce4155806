"""In-process timings of the busy pages, rendered afresh, on the large load database.

Signs in as the demo accounts with Django's test client (no network, no server) and
renders each page repeatedly: the median and best milliseconds and the queries each
render runs. ``--profile NAME`` prints where one page's time goes (cProfile).

    DATABASE_URL=postgres://…/mentors_load python bench/profile_pages.py [--runs 20]
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorscheme.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DEMO_MODE", "0")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")


def pages() -> list[tuple[str, str, str]]:
    """(name, who, path) for each busy page, found in the load data."""
    from mentorscheme.members.models import User
    from mentorscheme.mentoring.models import (
        MentoringRelationship,
        MentoringRequest,
        RelationshipStatus,
    )

    mentor = User.objects.get(email="mentor@demo.mentorscheme.example")
    request = (
        MentoringRequest.objects.filter(mentor__member__user=mentor)
        .order_by("-pk")
        .first()
    )
    from mentorscheme.members.models import OfficerAppointment

    officer_regions = OfficerAppointment.objects.filter(
        member__user__email="officer@demo.mentorscheme.example"
    ).values("region_id")
    relationship = (
        MentoringRelationship.objects.filter(
            status=RelationshipStatus.ACTIVE,
            enrolment__member__region_id__in=officer_regions,
        )
        .order_by("pk")
        .first()
    )
    found = [
        ("trivial view (ceiling)", "candidate", "/healthz"),
        ("directory", "candidate", "/mentoring/directory/"),
        (
            "directory, filtered, page 3",
            "candidate",
            "/mentoring/directory/?free_place=on&mode=zoom&page=3",
        ),
        ("candidate home", "candidate", "/mentoring/"),
        ("mentor home", "mentor", "/mentors/"),
        ("officer dashboard", "officer", "/oversight/"),
        ("staff dashboard", "staff", "/oversight/"),
    ]
    if request:
        found.append(("request page", "mentor", f"/mentoring/requests/{request.pk}/"))
    if relationship:
        found.append(
            (
                "relationship page",
                "officer",
                f"/mentoring/relationships/{relationship.pk}/",
            )
        )
    return found


def sign_in_record(user) -> dict:
    """allauth's record of how a session signed in: a password, then the second
    factor for an account that has one (staff and officers must have given it in
    this session, or every page sends them to give it)."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator

    now = time.time()
    records = [{"method": "password", "at": now, "email": user.email}]
    for authenticator in Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ):
        records.append(
            {"method": "mfa", "at": now, "id": authenticator.pk, "type": "totp"}
        )
    return {
        AUTHENTICATION_METHODS_SESSION_KEY: records,
        "account_authentication_methods_user": str(user.pk),
    }


def client_for(who: str):
    from django.test import Client

    from mentorscheme.members.models import User

    client = Client()
    user = User.objects.get(email=f"{who}@demo.mentorscheme.example")
    client.force_login(user)
    session = client.session
    session.update(sign_in_record(user))
    session.save()
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", help="page name to profile")
    parser.add_argument("--only", help="only pages whose name contains this")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    clients = {}
    print(
        f"{'page':<32}{'status':>7}{'queries':>8}{'median ms':>11}{'best ms':>9}"
        f"{'CPU ms':>8}"
    )
    for name, who, path in pages():
        if args.only and args.only not in name:
            continue
        client = clients.get(who) or clients.setdefault(who, client_for(who))
        response = client.get(path)  # warm: indexes, templates
        queries = []

        def record(execute, sql, params, many, context, queries=queries):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append((time.perf_counter() - started, sql))

        with connection.execute_wrapper(record):
            response = client.get(path)
        times, cpu = [], []
        for _ in range(args.runs):
            started, used = time.perf_counter(), time.process_time()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
        print(
            f"{name:<32}{response.status_code:>7}{len(queries):>8}"
            f"{statistics.median(times):>11.1f}{min(times):>9.1f}"
            f"{statistics.median(cpu):>8.1f}"
        )
        if args.profile and args.profile == name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.runs):
                client.get(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(
                os.environ.get("SORT", "cumulative")
            ).print_stats(int(os.environ.get("TOP", "45")))
            for elapsed, sql in queries:
                print(f"{elapsed * 1000:7.1f} ms  {sql[:300]}")


if __name__ == "__main__":
    main()
