from django.urls import URLPattern, path

from .views import idea, lists, record

app_name = "ideas"

urlpatterns: list[URLPattern] = [
    # --- recording (views/record.py)
    path("cohorts/<id:cohort_id>/ideas/new/", record.record, name="record"),
    # --- one idea (views/idea.py)
    path("ideas/<id:idea_id>/", idea.idea, name="idea"),
    path("ideas/<id:idea_id>/status/", idea.change_status, name="status"),
    path("ideas/<id:idea_id>/naming/", idea.naming, name="naming"),
    path("ideas/<id:idea_id>/owner/", idea.owner, name="owner"),
    path("ideas/<id:idea_id>/merge/", idea.merge, name="merge"),
    # --- lists, owners and the board (views/lists.py)
    path("ideas/mine/", lists.mine, name="mine"),
    path("ideas/owned/", lists.owned, name="owned"),
    path("organisations/<id:organisation_id>/ideas/", lists.register, name="register"),
    path("organisations/<id:organisation_id>/ideas/board/", lists.board, name="board"),
    path("ideas/board/<str:token>/", lists.public_board, name="public_board"),
    path("organisations/<id:organisation_id>/ideas/owners/", lists.owners, name="owners"),
    path(
        "organisations/<id:organisation_id>/ideas/owners/search/",
        idea.owner_search,
        name="owner_search",
    ),
    path("ideas/owners/<id:owner_id>/left/", lists.owner_left, name="owner_left"),
    path(
        "organisations/<id:organisation_id>/ideas/settings/",
        lists.board_settings,
        name="settings",
    ),
]
