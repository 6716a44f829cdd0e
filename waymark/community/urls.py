"""Peer support groups, under /community/.

Owners: views_groups (my groups, join, pairs, open groups, program groups for staff), views_board (the board,
live messages, posting, reactions, reports, blocks, my profile in a group, leaving, guidelines),
views_moderation (reports, hide, mute, remove, the moderation log).
"""

from django.urls import path

from waymark.community import views_board, views_groups, views_moderation

app_name = "community"

urlpatterns = [
    path("", views_groups.groups, name="groups"),
    path("join/", views_groups.join, name="join"),
    path("pairs/new/", views_groups.pair_new, name="pair_new"),
    path("open/new/", views_groups.open_new, name="open_new"),
    path("program-groups/", views_groups.program_groups, name="program_groups"),
    path("program-groups/new/", views_groups.cohort_new, name="cohort_new"),
    path("program-groups/<int:group_id>/members/", views_groups.cohort_members, name="cohort_members"),
    path("blocks/", views_board.blocks, name="blocks"),
    path("blocks/<int:user_id>/unblock/", views_board.unblock, name="unblock"),
    path("<int:group_id>/", views_board.board, name="board"),
    path("<int:group_id>/messages/", views_board.messages, name="messages"),
    path("<int:group_id>/post/", views_board.post, name="post"),
    path("<int:group_id>/messages/<int:message_id>/react/", views_board.react, name="react"),
    path("<int:group_id>/messages/<int:message_id>/report/", views_board.report, name="report"),
    path("<int:group_id>/members/<int:member_id>/block/", views_board.block, name="block"),
    path("<int:group_id>/me/", views_board.profile, name="profile"),
    path("<int:group_id>/leave/", views_board.leave, name="leave"),
    path("<int:group_id>/guidelines/", views_board.guidelines, name="guidelines"),
    path("<int:group_id>/moderation/", views_moderation.moderation, name="moderation"),
    path("<int:group_id>/messages/<int:message_id>/hide/", views_moderation.hide, name="hide"),
    path("<int:group_id>/messages/<int:message_id>/unhide/", views_moderation.unhide, name="unhide"),
    path("<int:group_id>/members/<int:member_id>/mute/", views_moderation.mute, name="mute"),
    path("<int:group_id>/members/<int:member_id>/unmute/", views_moderation.unmute, name="unmute"),
    path("<int:group_id>/members/<int:member_id>/remove/", views_moderation.remove, name="remove"),
    path("<int:group_id>/reports/<int:report_id>/dismiss/", views_moderation.dismiss, name="dismiss"),
]
