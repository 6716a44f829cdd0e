from waymark.care import views_aftercare, views_caseload, views_groups, views_levels, views_plans, views_sessions

app_name = "care"
urlpatterns = (
    views_plans.urlpatterns
    + views_sessions.urlpatterns
    + views_groups.urlpatterns
    + views_caseload.urlpatterns
    + views_levels.urlpatterns
    + views_aftercare.urlpatterns
)
