from django.urls import path

from . import views
from .invitations.urls import public as invitation_urls

urlpatterns = [
    path("csrf/", views.CsrfView.as_view(), name="auth-csrf"),
    path("login/", views.LoginView.as_view(), name="auth-login"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("me/", views.MeView.as_view(), name="auth-me"),
    path("password/", views.PasswordView.as_view(), name="auth-password"),
    *invitation_urls,
]
