from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from waymark.api import api
from waymark.chart import audit_views
from waymark.chart import views as chart
from waymark.core import views as core

urlpatterns = [
    path("", chart.home, name="home"),
    path("me/record/", chart.my_record, name="my_record"),
    path("login/", core.login_view, name="login"),
    path("login/verify/", core.mfa_verify, name="mfa_verify"),
    path("login/setup/", core.mfa_setup, name="mfa_setup"),
    path("logout/", core.logout_view, name="logout"),
    path("signup/", core.signup, name="signup"),
    path("invitation/<str:token>/", core.accept_invitation, name="accept_invitation"),
    path("account/tokens/", core.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", core.revoke_token, name="revoke_token"),
    path("staff/", core.staff_list, name="staff_list"),
    path("staff/<int:user_id>/active/", core.staff_set_active, name="staff_set_active"),
    path("patients/", chart.patient_list, name="patient_list"),
    path("patients/new/", chart.patient_create, name="patient_create"),
    path("patients/<int:patient_id>/", chart.chart, name="chart"),
    path("patients/<int:patient_id>/edit/", chart.patient_edit, name="patient_edit"),
    path("patients/<int:patient_id>/photo/", chart.patient_photo, name="patient_photo"),
    path("patients/<int:patient_id>/break-glass/", chart.break_glass, name="break_glass"),
    path("patients/<int:patient_id>/episodes/new/", chart.episode_create, name="episode_create"),
    path("patients/<int:patient_id>/episodes/<int:episode_id>/", chart.episode_edit, name="episode_edit"),
    path("patients/<int:patient_id>/care-team/", chart.care_team, name="care_team"),
    path("patients/<int:patient_id>/care-team/<int:link_id>/end/", chart.care_team_end, name="care_team_end"),
    path("patients/<int:patient_id>/consents/new/", chart.consent_create, name="consent_create"),
    path("patients/<int:patient_id>/consents/<int:consent_id>/revoke/", chart.consent_revoke, name="consent_revoke"),
    path("patients/<int:patient_id>/disclosures/", chart.disclosures, name="disclosures"),
    path("patients/<int:patient_id>/invite/", chart.invite, name="invite"),
    path("audit/", audit_views.audit_review, name="audit_review"),
    path("audit/patients/<int:patient_id>/", audit_views.audit_patient, name="audit_patient"),
    path("audit/users/<int:user_id>/", audit_views.audit_user, name="audit_user"),
    path("audit/break-glass/<int:access_id>/review/", audit_views.review_break_glass, name="review_break_glass"),
    path("meds/", include("waymark.meds.urls")),
    path("labs/", include("waymark.labs.urls")),
    path("incentives/", include("waymark.incentives.urls")),
    path("assess/", include("waymark.assess.urls")),
    path("care/", include("waymark.care.urls")),
    path("directory/", include("waymark.directory.urls")),
    path("companion/", include("waymark.companion.urls")),
    path("community/", include("waymark.community.urls")),
    path("outcomes/", include("waymark.outcomes.urls")),
    path("interop/", include("waymark.interop.urls")),
    path("api/v1/", api.urls),
]
# Public help pages: English at /help/…, Spanish at /es/help/….
urlpatterns += i18n_patterns(path("help/", include("waymark.public.urls")), prefix_default_language=False)
