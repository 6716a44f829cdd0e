from django.http import HttpRequest

from waymark.core.models import User


class AuthedRequest(HttpRequest):
    """A request behind @login_required: its user is a Waymark User."""

    user: User
