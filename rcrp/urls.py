from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from rcrp import views
from rcrp.accounts.forms import LoginForm

# The admin's own login page would be a second way in; send it to ours.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "RCRP Toolkit administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("toolkit/", include("toolkit.urls")),
    path("policies/", include("policies.urls")),
    path("training/", include("training.urls")),
    path("admin/", admin.site.urls),
]
