"""Waymark settings: one file, every knob read from the environment.

Defaults are safe for production (DEBUG off, secure cookies, HSTS, SSL
redirect); `make run` sets DEBUG=true for a local demo over plain HTTP.
Secrets may also come from files: SECRET_KEY_FILE, WAYMARK_ENCRYPTION_KEYS_FILE.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envsecret(name: str) -> str:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    value = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "")
    if not value and path:
        value = Path(path).read_text().strip()
    return value


DEBUG = envbool("DEBUG", False)
# Demo mode shows a banner on every page; `waymark demo` data is synthetic.
WAYMARK_DEMO = envbool("WAYMARK_DEMO", False)

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off")
    SECRET_KEY = "waymark-insecure-development-key-do-not-use-in-production-" + "x" * 20

# Fernet keys, comma separated, newest first. Older keys still decrypt, so a
# key is rotated by putting a new one in front (see docs/operations.md).
WAYMARK_ENCRYPTION_KEYS = [k.strip() for k in envsecret("WAYMARK_ENCRYPTION_KEYS").split(",") if k.strip()]
if not WAYMARK_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "WAYMARK_ENCRYPTION_KEYS (or WAYMARK_ENCRYPTION_KEYS_FILE) must be set when DEBUG is off"
        )
    WAYMARK_ENCRYPTION_KEYS = ["d2F5bWFyay1kZXYta2V5LW5vdC1mb3ItcmVhbC11c2U="]

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "waymark.core",
    "waymark.chart",
    "waymark.meds",
    "waymark.labs",
    "waymark.incentives",
    "waymark.assess",
    "waymark.care",
    "waymark.directory",
    "waymark.companion",
    "waymark.community",
    "waymark.public",
    "waymark.interop",
    "waymark.outcomes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "waymark.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The public pages are in English at /help/… and in Spanish at /es/help/…;
    # every other page is English (i18n_patterns with prefix_default_language=False).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the idle logoff, which tells the user why they were signed out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "waymark.core.middleware.StaffIdleLogoffMiddleware",
    "waymark.core.middleware.StaffMfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "waymark.urls"
WSGI_APPLICATION = "waymark.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "waymark.core.context_processors.waymark",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite by default (one file, zero set-up); DATABASE_URL switches to PostgreSQL.
WAYMARK_DATA_DIR = Path(os.environ.get("WAYMARK_DATA_DIR", BASE_DIR / "var"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("WAYMARK_SQLITE_PATH", str(WAYMARK_DATA_DIR / "waymark.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue
                # on the busy timeout instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
                ),
            },
            "TEST": {"NAME": os.environ.get("WAYMARK_SQLITE_TEST_PATH", None)},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work --------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Email and text messages (companion reminders, care-team notices) ---------
EMAIL_BACKEND = os.environ.get(
    "WAYMARK_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Waymark <no-reply@localhost>")
# Text-message reminders: a class with send_text(to, text); the console one prints
# "SMS to ***1234: …" and sends nothing.
WAYMARK_SMS_BACKEND = os.environ.get("WAYMARK_SMS_BACKEND", "waymark.companion.channels.ConsoleSmsBackend")

# --- Peer groups -------------------------------------------------------------
# How often an open group board asks for new messages (seconds). Each open board costs one request per interval;
# docs/performance.md has what a 2-core server sustains at 3 s and at longer intervals.
WAYMARK_BOARD_POLL_SECONDS = envint("WAYMARK_BOARD_POLL_SECONDS", 3)
if not 1 <= WAYMARK_BOARD_POLL_SECONDS <= 60:
    raise ImproperlyConfigured("WAYMARK_BOARD_POLL_SECONDS must be between 1 and 60.")

# --- FHIR exchange -----------------------------------------------------------
# The base URI of Waymark's own FHIR code systems (instruments, medications …) and of the ids it mints;
# set it to an address the deployment controls. Exports made under one base keep their ids only under it.
WAYMARK_FHIR_BASE = os.environ.get("WAYMARK_FHIR_BASE", "").strip().rstrip("/") or "https://waymark.example.org/fhir"
if not WAYMARK_FHIR_BASE.startswith(("https://", "http://")):
    raise ImproperlyConfigured("WAYMARK_FHIR_BASE must be an http(s) URI, e.g. https://waymark.example.org/fhir")

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Messages live in the session, not in a readable cookie (companion messages can name a person's contacts).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout: five failures lock for 15 minutes.
AXES_FAILURE_LIMIT = envint("WAYMARK_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = envint("WAYMARK_LOCKOUT_MINUTES", 15) / 60  # hours
# An account locks after repeated failures; so does one client (address and
# browser) trying many accounts, which stops password spraying.
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "user_agent"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = "Waymark"
# Rule core.session.staff_idle_logoff: staff sessions end after this many idle minutes.
WAYMARK_STAFF_IDLE_MINUTES = envint("WAYMARK_STAFF_IDLE_MINUTES", 15)
# Rule chart.break_glass.window: hours an emergency access to a chart lasts.
WAYMARK_BREAK_GLASS_HOURS = envint("WAYMARK_BREAK_GLASS_HOURS", 4)

SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Transport security -----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = envbool("WAYMARK_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("WAYMARK_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("WAYMARK_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = envbool("WAYMARK_HSTS_PRELOAD", False)
if envbool("WAYMARK_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = ["security.W021"] if not SECURE_HSTS_PRELOAD else []

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Locale -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
# The server's zone for logs; each program shows its own zone (Program.time_zone).
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("WAYMARK_STATIC_ROOT", str(BASE_DIR / "staticfiles"))
# Hashed, compressed static files in production (`collectstatic` runs in `waymark serve`).
STATIC_MANIFEST = envbool("WAYMARK_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# Logs never carry patient data: no request bodies, no query strings.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WAYMARK_LOG_LEVEL", "INFO")},
    "loggers": {
        # django.request logs the full path with its query string on 4xx/5xx.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
