from waymark.assess import views, views_detox, views_placement

app_name = "assess"
urlpatterns = views.urlpatterns + views_placement.urlpatterns + views_detox.urlpatterns
