from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

# Managers': /api/accounts/invitations/ (and .../{id}/revoke/).
router = SimpleRouter()
router.register("invitations", views.InvitationViewSet, basename="invitation")
urlpatterns = router.urls

# The invitee's, public, under /api/auth/ (accounts.urls) with the log-in.
public = [
    path("invitation/check/", views.CheckView.as_view(), name="invitation-check"),
    path("invitation/accept/", views.AcceptView.as_view(), name="invitation-accept"),
]
