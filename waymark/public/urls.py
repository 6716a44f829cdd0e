from django.urls import URLPattern, path

from waymark.directory import views_public as finder
from waymark.public import views

app_name = "public"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("self-check/", views.self_check, name="self_check"),
    path("someone-i-love/", views.someone_i_love, name="someone_i_love"),
    path("overdose/", views.overdose, name="overdose"),
    path("preparing-for-treatment/", views.preparing, name="preparing"),
    # The treatment finder (issue #9): a search of the facility directory, and a page per facility.
    path("find-treatment/", finder.finder, name="find_treatment"),
    path("find-treatment/<int:facility_id>/", finder.facility, name="facility"),
]
