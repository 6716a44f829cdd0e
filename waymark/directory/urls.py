"""Staff pages of the directory (mounted at /directory/): listings a program claims and edits, the
verifiers' claims queue (views_listing.py), and matching a placement to the finder (views_match.py).
The public finder pages are under /help/ (waymark/public/urls.py)."""

from waymark.directory import views_listing, views_match

app_name = "directory"
urlpatterns = views_listing.urlpatterns + views_match.urlpatterns
