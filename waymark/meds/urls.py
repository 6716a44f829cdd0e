"""Pages of the medication domain: the dosing window (nurses), orders and
reviews in the chart (prescribers), and the dispensing log and stock."""

from waymark.meds import views_log, views_prescribe, views_window

app_name = "meds"

urlpatterns = [*views_window.urlpatterns, *views_prescribe.urlpatterns, *views_log.urlpatterns]
