from django.urls import path

from .views import board, events, feed, journal, meetings, points, workspace

app_name = "partnerships"

PAIR = "pairs/<id:pair_id>/"
MEETING = "meetings/<id:meeting_id>/"
EVENT = "events/<id:event_id>/"

urlpatterns = [
    # A pair's workspace (the two partners only)
    path(PAIR, workspace.workspace, name="workspace"),
    path(PAIR + "pause/", workspace.pause, name="pause"),
    path(PAIR + "resume/", workspace.resume, name="resume"),
    path(PAIR + "end-partnership/", workspace.end, name="end"),  # "end/" is matching:end_pair
    path(PAIR + "journal/", journal.journal, name="journal"),
    path("journal/<id:entry_id>/delete/", journal.delete, name="journal_delete"),
    # Meetings
    path(PAIR + "meetings/propose/", meetings.propose, name="propose"),
    path(PAIR + "meetings/log/", meetings.log, name="log"),
    path(MEETING, meetings.meeting, name="meeting"),
    path(MEETING + "accept/", meetings.accept, name="accept"),
    path(MEETING + "reschedule/", meetings.reschedule, name="reschedule"),
    path(MEETING + "cancel/", meetings.cancel, name="cancel"),
    path(MEETING + "record/", meetings.record, name="record"),
    path(MEETING + "answer/", meetings.answer, name="answer"),
    path(MEETING + "calendar.ics", meetings.calendar, name="meeting_calendar"),
    # Talking points: partners read, mark and suggest; coordinators curate
    path("cohorts/<id:cohort_id>/talking-points/", points.library, name="points"),
    path("cohorts/<id:cohort_id>/talking-points/suggest/", points.suggest, name="point_suggest"),
    path(PAIR + "talking-points/<id:point_id>/used/", points.mark_used, name="point_used"),
    path("schemes/<id:scheme_id>/talking-points/", points.manage, name="points_manage"),
    path("talking-points/<id:point_id>/edit/", points.edit, name="point_edit"),
    path("talking-points/<id:point_id>/decide/", points.decide, name="point_decide"),
    # The coordinators' progress board
    path("cohorts/<id:cohort_id>/progress/", board.board, name="board"),
    path("cohorts/<id:cohort_id>/progress/nudge/", board.nudge, name="nudge"),
    path("cohorts/<id:cohort_id>/progress/settings/", board.settings_edit, name="settings"),
    path(PAIR + "manage/pause/", board.pause, name="board_pause"),
    path(PAIR + "manage/resume/", board.resume, name="board_resume"),
    # Reflection events
    path("cohorts/<id:cohort_id>/events/", events.events, name="events"),
    path("cohorts/<id:cohort_id>/events/new/", events.create, name="event_create"),
    path(EVENT, events.event, name="event"),
    path(EVENT + "edit/", events.edit, name="event_edit"),
    path(EVENT + "cancel/", events.cancel, name="event_cancel"),
    path(EVENT + "reply/", events.reply, name="event_reply"),
    path(EVENT + "register/", events.register, name="event_register"),
    path(EVENT + "notes/", events.notes, name="event_notes"),
    path(EVENT + "calendar.ics", events.calendar, name="event_calendar"),
    # Each person's private calendar feed
    path("calendar/", feed.feed, name="feed"),
    path("calendar/new-address/", feed.regenerate, name="feed_regenerate"),
    path("calendar/feed/<str:token>.ics", feed.ics, name="feed_ics"),
]
