"""The companion's pages, under /companion/ (the service worker's scope).

Owners: views_home (home, start, crisis help, milestones, more), views_checkin,
views_journal, views_plan, views_network (people and meetings), views_insights,
views_settings, views_data (export, delete), views_pwa (manifest, service
worker, offline page), views_care_team (staff: shared trends and alerts).
"""

from django.urls import path

from waymark.companion import (
    views_care_team,
    views_checkin,
    views_data,
    views_home,
    views_insights,
    views_journal,
    views_network,
    views_plan,
    views_pwa,
    views_settings,
)

app_name = "companion"

urlpatterns = [
    path("", views_home.home, name="home"),
    path("start/", views_home.start, name="start"),
    path("help-now/", views_home.crisis, name="crisis"),
    path("milestones/", views_home.milestones, name="milestones"),
    path("more/", views_home.more, name="more"),
    path("check-in/", views_checkin.check_in, name="check_in"),
    path("check-ins/", views_checkin.history, name="history"),
    path("journal/", views_journal.journal, name="journal"),
    path("journal/new/", views_journal.new_entry, name="journal_new"),
    path("journal/<int:entry_id>/", views_journal.entry, name="journal_entry"),
    path("journal/<int:entry_id>/share/", views_journal.share, name="journal_share"),
    path("plan/", views_plan.plan, name="plan"),
    path("plan/reasons/", views_plan.reasons, name="plan_reasons"),
    path("plan/items/new/", views_plan.item_new, name="plan_item_new"),
    path("plan/items/<int:item_id>/", views_plan.item_edit, name="plan_item_edit"),
    path("plan/items/<int:item_id>/remove/", views_plan.item_remove, name="plan_item_remove"),
    path("plan/share/", views_plan.share, name="plan_share"),
    path("people/", views_network.contacts, name="contacts"),
    path("people/new/", views_network.contact_new, name="contact_new"),
    path("people/<int:contact_id>/", views_network.contact_edit, name="contact_edit"),
    path("people/<int:contact_id>/remove/", views_network.contact_remove, name="contact_remove"),
    path("meetings/", views_network.meetings, name="meetings"),
    path("meetings/<int:meeting_id>/remove/", views_network.meeting_remove, name="meeting_remove"),
    path("insights/", views_insights.insights, name="insights"),
    path("settings/", views_settings.settings_page, name="settings"),
    path("settings/sharing/", views_settings.sharing, name="sharing"),
    path("settings/reminders/", views_settings.reminders, name="reminders"),
    path("my-data/", views_data.my_data, name="my_data"),
    path("my-data/waymark-companion.json", views_data.export_json, name="export_json"),
    path("my-data/waymark-companion.html", views_data.export_html, name="export_html"),
    path("my-data/delete/", views_data.delete_account, name="delete_account"),
    path("manifest.webmanifest", views_pwa.manifest, name="manifest"),
    path("sw.js", views_pwa.service_worker, name="service_worker"),
    path("offline/", views_pwa.offline, name="offline"),
    # Staff: what a person chose to share, and alerts they turned on.
    path("care/alerts/", views_care_team.alerts, name="care_alerts"),
    path("care/<int:patient_id>/", views_care_team.trends, name="care_trends"),
    path(
        "care/<int:patient_id>/alerts/<int:alert_id>/acknowledge/",
        views_care_team.acknowledge,
        name="care_acknowledge",
    ),
]
