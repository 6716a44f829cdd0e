"""pytest plugin (-p waymark.testing_env): environment for the test settings.

Loaded before pytest-django reads the settings. Tests run with production
defaults except HTTPS redirects, which the test client does not follow.
"""

import os

os.environ.setdefault("SECRET_KEY", "waymark-tests-only-" + "k" * 40)
os.environ.setdefault("WAYMARK_ENCRYPTION_KEYS", "d2F5bWFyay10ZXN0LWtleS1ub3QtZm9yLXJlYWwtdXM=")
os.environ.setdefault("WAYMARK_SSL_REDIRECT", "false")
os.environ.setdefault("WAYMARK_SECURE_COOKIES", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("WAYMARK_DATA_DIR", os.path.join(os.getcwd(), "var", "test"))
os.environ.setdefault("WAYMARK_STATIC_MANIFEST", "false")
