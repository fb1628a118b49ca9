"""Who may see imported traffic: staff with the runs app's permissions, as in the admin.

Traces carry prompts, so every import view needs a staff login (anonymous visitors go to the admin
login and come back) and the model permission for what it does (view, add, delete).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

View = Callable[..., HttpResponse]


def staff_permission(permission: str) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not user.is_staff:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not user.has_perm(permission):
                raise PermissionDenied(f"needs the {permission} permission")
            return view(request, *args, **kwargs)

        return checked

    return decorate


def signed_in_user(request: HttpRequest) -> User:
    """Who is signed in, in a view `staff_permission` let through."""
    if isinstance(request.user, AnonymousUser):
        raise PermissionDenied
    return request.user
