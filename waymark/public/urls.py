from django.urls import URLPattern, path

from waymark.public import views

app_name = "public"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("self-check/", views.self_check, name="self_check"),
    path("someone-i-love/", views.someone_i_love, name="someone_i_love"),
    path("overdose/", views.overdose, name="overdose"),
    path("preparing-for-treatment/", views.preparing, name="preparing"),
    # Issue #9 (the treatment directory) replaces this page with a search; keep the name.
    path("find-treatment/", views.find_treatment, name="find_treatment"),
]
