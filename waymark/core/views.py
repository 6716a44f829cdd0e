"""Sign-in with TOTP for staff, sign-up and invitations, tokens, staff accounts."""

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from waymark.core import services
from waymark.core.forms import (
    InvitationAcceptForm,
    SignUpForm,
    StaffCreateForm,
    TokenForm,
    TotpForm,
)
from waymark.core.models import AccessToken, User
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and not request.user.is_staff_member:
        return redirect("home")
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        login(request, user)
        if user.is_staff_member:
            return redirect(f"{reverse('mfa_verify')}?{urlencode({'next': _next_url(request)})}")
        return redirect(_next_url(request))
    return render(request, "core/login.html", {"form": form, "next": _next_url(request)})


@login_required
def mfa_verify(request: AuthedRequest) -> HttpResponse:
    """Second step for staff: a code from the authenticator app set up for the account."""
    user = request.user
    if not user.is_staff_member or user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next_url(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("mfa_setup")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", "That code is not right, or has expired. Enter the current 6-digit code.")
    return render(request, "core/mfa_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def mfa_setup(request: AuthedRequest) -> HttpResponse:
    """First sign-in of a staff member: enrol an authenticator app."""
    user = request.user
    if not user.is_staff_member:
        # Patients do not use MFA: a device enrolled here would never be asked for.
        return redirect("home")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("mfa_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = services.new_totp_device(user, confirmed=False)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Your authenticator app is set up.")
            return redirect("home")
        form.add_error("code", "That code is not right. Check the app shows Waymark and try the current code.")
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=True)
    secret = _b32(device.bin_key)
    return render(request, "core/mfa_setup.html", {"form": form, "qr": qr, "secret": secret})


def _b32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode().rstrip("=")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("login")


def signup(request: HttpRequest) -> HttpResponse:
    """A self-guided person (no program) creates their own companion account."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up_self_guided(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, "Welcome to Waymark. Your account is ready.")
            return redirect("home")
    return render(request, "core/signup.html", {"form": form})


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for(token)
    if invitation is None:
        return render(request, "core/invitation_invalid.html", status=410)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, "Your account is ready.")
            return redirect("home")
    return render(request, "core/invitation_accept.html", {"form": form})


def _form_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def tokens(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not user.can(Cap.API_TOKENS):
        raise PermissionDenied
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _, new_token = services.create_access_token(user, form.cleaned_data["name"])
        form = TokenForm()
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": AccessToken.objects.filter(user=user).order_by("-created_at"),
        "nav": "tokens",
    }
    return render(request, "core/tokens.html", context)


@login_required
@require_POST
def revoke_token(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(AccessToken, pk=token_id, user=request.user)
    services.revoke_access_token(request.user, token)
    messages.success(request, f"Token “{token.name}” revoked. Integrations using it stop working now.")
    return redirect("tokens")


@login_required
def staff_list(request: AuthedRequest) -> HttpResponse:
    admin = request.user
    if not admin.can(Cap.PROGRAM_ADMIN):
        raise PermissionDenied
    form = StaffCreateForm(request.POST or None, program=admin.program)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.create_staff(
                admin,
                admin.staff_program,
                username=data["username"],
                role=data["role"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{member.username} can now sign in and set up their authenticator app.")
            return redirect("staff_list")
    staff = (
        User.objects.filter(program=admin.program)
        .exclude(role="patient")
        .order_by("last_name", "first_name", "username")
    )
    return render(request, "core/staff_list.html", {"form": form, "staff": staff, "nav": "staff"})


@login_required
@require_POST
def staff_set_active(request: AuthedRequest, user_id: int) -> HttpResponse:
    admin = request.user
    if not admin.can(Cap.PROGRAM_ADMIN):
        raise PermissionDenied
    member = get_object_or_404(User, pk=user_id, program=admin.program)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(admin, member, active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        state = "enabled" if active else "disabled; any open session has ended"
        messages.success(request, f"{member.username} is {state}.")
    return redirect("staff_list")
