"""The directory's ranking index follows every change on the next request, on every
app server: no window in which a new listing is missing or a pause still ranks."""

import datetime

from django.db import connection
from django.utils import timezone

from mentorscheme.members.models import OrganisationType, Region
from mentorscheme.mentors import directory
from mentorscheme.mentors import services as mentor_services
from mentorscheme.mentors.models import DirectoryChange, MentorProfile
from tests import factories as f
from tests.personas import login, mentor

DIRECTORY = "/mentoring/directory/"


def names(client, url=DIRECTORY):
    response = client.get(url)
    assert response.status_code == 200
    return response.text


def test_a_new_listing_appears_on_the_next_view(client, alice):
    login(client, alice)
    assert "Newcomer" not in names(client)  # the index is built without them
    mentor(last_name="Newcomer")
    assert "Newcomer" in names(client)


def test_a_mentor_paused_a_moment_ago_is_gone_and_back_when_resumed(client, alice):
    pausing = mentor(last_name="Pausing")
    login(client, alice)
    assert "Pausing" in names(client)
    profile = pausing.mentor_profile
    mentor_services.mentor_set_accepting(profile=profile, accepting=False)
    assert "Pausing" not in names(client)
    mentor_services.mentor_set_accepting(profile=profile, accepting=True)
    assert "Pausing" in names(client)


def test_a_mentor_paused_by_a_bulk_update_is_not_shown(client, alice):
    paused = mentor(last_name="Bulk")
    login(client, alice)
    assert "Bulk" in names(client)
    MentorProfile.objects.filter(member=paused).update(accepting=False)  # no signals
    assert "Bulk" not in names(client)  # every shown mentor is checked live


def test_a_listing_written_by_another_app_server_is_seen(client, alice):
    """Another server's write reaches this one through the database alone: a mentor
    listed there by plain SQL with its change note, not through this process."""
    waiting = mentor(last_name="Elsewhere", profile={"status": "trained"})
    login(client, alice)
    assert "Elsewhere" not in names(client)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mentors_mentorprofile SET status = 'listed' WHERE member_id = %s",
            [waiting.pk],
        )
        cursor.execute(
            "INSERT INTO mentors_directorychange (mentor_id, token) VALUES (%s, 7)",
            [waiting.mentor_profile.pk],
        )
    assert "Elsewhere" in names(client)


def test_an_unchanged_directory_keeps_its_index(client, alice):
    mentor(last_name="Steady")
    login(client, alice)
    names(client)
    built = directory.current_index()
    names(client, DIRECTORY + "?page=1")
    assert directory.current_index() is built


def test_a_new_day_rebuilds_the_index(alice):
    today = timezone.localdate()
    first = directory.current_index(directory.current_version(today))
    later = directory.current_version(today + datetime.timedelta(days=1))
    assert directory.current_index(later) is not first


def test_old_change_notes_are_pruned_but_the_window_is_kept(alice):
    for _ in range(3):
        directory.note_change()
    before = directory.current_version()
    newest = DirectoryChange.objects.latest("pk").pk
    DirectoryChange.objects.create(pk=newest - directory.KEEP - 5, token=1)
    assert directory.prune_changes() >= 1
    assert directory.current_version() == before


def test_a_change_to_one_mentor_reads_only_that_mentor_again(
    client, alice, django_assert_max_num_queries
):
    steady = mentor(last_name="Steady")
    pausing = mentor(last_name="Pausing")
    login(client, alice)
    assert "Pausing" in names(client)
    built = directory.current_index()
    profile = pausing.mentor_profile
    mentor_services.mentor_set_accepting(profile=profile, accepting=False)
    # The version, the new notes, the mentor's row, its links (both kinds in one
    # query) and the briefings its member acknowledged.
    with django_assert_max_num_queries(5):
        patched = directory.current_index()
    assert patched is not built
    assert patched.mentors[patched.position_of[profile.pk]].record.accepting is False
    position = patched.position_of[steady.mentor_profile.pk]
    assert patched.mentors[position] is built.mentors[position]  # not read again
    assert "Pausing" not in names(client)
    assert "Steady" in names(client)


def test_a_patched_index_ranks_as_one_built_from_scratch(client, alice):
    login(client, alice)
    mentors = [mentor(last_name=f"Same{i}") for i in range(4)]
    names(client)
    first, second = mentors[0].mentor_profile, mentors[1].mentor_profile
    first.capacity = 5
    first.meeting_modes = ["teams"]
    first.save()
    second.regions.add(f.region("wales"))
    second.member.last_name = "Renamed"
    second.member.save()
    patched = directory.current_index()
    directory.forget_index()
    rebuilt = directory.current_index()
    assert patched.mentors == rebuilt.mentors
    assert (patched.name_order == rebuilt.name_order).all()
    for name in rebuilt.arrays.__slots__:
        assert (getattr(patched.arrays, name) == getattr(rebuilt.arrays, name)).all()
    assert "Renamed" in names(client)


def test_the_filters_offer_a_region_opened_a_moment_ago(client, alice):
    """The filter choices are kept with the index, not read per view: a new region,
    a renamed sort of organisation and a qualification withdrawn show at once."""
    login(client, alice)
    page = names(client)
    assert "Atlantis" not in page
    assert "Certification" in page
    Region.objects.create(code="atlantis", name="Atlantis")
    sort = OrganisationType.objects.order_by("pk").first()
    sort.name = "Underwater libraries"
    sort.save()
    withdrawn = f.qualification("certification")
    withdrawn.is_active = False
    withdrawn.save()
    page = names(client)
    assert '">Atlantis</option>' in page
    assert '">Underwater libraries</option>' in page
    assert '">Certification</option>' not in page


def test_a_filter_by_a_region_opened_since_is_honoured(client, alice):
    login(client, alice)
    names(client)
    region = Region.objects.create(code="atlantis", name="Atlantis")
    mentor(last_name="Diver", region=region)
    mentor(last_name="Lander")
    page = names(client, f"{DIRECTORY}?region={region.pk}")
    assert "Diver" in page
    assert "Lander" not in page
    assert "could not use" not in page


def test_a_mentor_paused_for_not_answering_leaves_the_count_at_once(client, alice):
    mentor(last_name="Quiet")
    mentor(last_name="Answers")
    MentorProfile.objects.filter(member__last_name="Quiet").update(
        availability_asked_at=timezone.now() - datetime.timedelta(days=31)
    )
    login(client, alice)
    assert "2 mentors" in names(client)  # the index is built with both
    assert mentor_services.mentor_availability_check()["paused"] == 1
    page = names(client)
    assert "1 mentor" in page and "Quiet" not in page and "Answers" in page
