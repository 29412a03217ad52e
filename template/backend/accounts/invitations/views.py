"""The invitations API: managers list, invite and revoke under
/api/accounts/invitations/; the invitee checks and accepts a key under
/api/auth/invitation/ (public, nginx's log-in limits apply there).

The public views check the CSRF token themselves, as the log-in does
(accounts.views). A key that accepts nothing, whatever the reason, gets one
answer (INVALID) and counts as a failed log-in without a username, so that
django-axes locks out a client that guesses (accounts.lockout).
"""

from typing import cast

from auditlog.context import set_actor
from auditlog.models import LogEntry
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from ..audit import recorded_as
from ..lockout import client_address, client_locked_out, lockout_response
from ..models import Invitation, key_hash
from ..permissions import ModelPermissions
from ..security import event
from .mail import invitation_accepted_notice, invitation_mail
from .serializers import (
    HAS_ACCOUNT,
    AcceptedSerializer,
    AcceptSerializer,
    DetailSerializer,
    InvitationSerializer,
    InvitedSerializer,
    KeySerializer,
    check_password,
)

INVALID = {
    "detail": "This invitation link does not work: it is wrong, has expired, was revoked or"
    " was used. Ask for a new invitation."
}
TAKEN = "A user with that username already exists."
# What django-axes counts a refused key under: no username, the client address.
NO_USERNAME = {"username": None}


def check_csrf(request: Request) -> None:
    """DRF's own CSRF check, as for a session: a 403 naming the failure."""
    SessionAuthentication().enforce_csrf(request)


class RevokePermissions(ModelPermissions):
    """Revoking changes an invitation: the change permission, not add."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class InvitationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Invitations of colleagues, newest first, with their state; for users
    with the invitation permissions (managers). The key is never shown:
    only the invitee's mail has it."""

    queryset = Invitation.objects.select_related("role", "inviter", "accepted_user", "revoked_by")
    serializer_class = InvitationSerializer

    def perform_create(self, serializer: BaseSerializer) -> None:
        email = serializer.validated_data["email"]
        user = self.request.user
        try:
            with recorded_as(self.request), transaction.atomic():
                # Inviting an address again replaces its open invitation.
                replaced = Invitation.objects.open().select_for_update().filter(email=email)
                replaced_ids = [self._revoke(old) for old in replaced]
                invitation = serializer.save(inviter=user)
        except IntegrityError:
            # Another invitation for the address, made at the same moment.
            raise serializers.ValidationError(
                {"email": ["An invitation for this address was just made."]}
            ) from None
        for replaced_id in replaced_ids:
            self._log("invitation_revoked", replaced_id, reason="replaced")
        self._log("invitation_sent", invitation.pk)
        transaction.on_commit(lambda: invitation_mail.enqueue(invitation.pk))

    @extend_schema(
        request=None,
        responses={
            200: InvitationSerializer,
            400: OpenApiResponse(
                DetailSerializer, "The invitation is accepted, revoked or expired already."
            ),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[RevokePermissions])
    def revoke(self, request: Request, pk: str) -> Response:
        """Revoke a pending invitation: its link stops working."""
        self.get_object()  # 404 for no such invitation
        with recorded_as(request), transaction.atomic():
            invitation = Invitation.objects.select_for_update().get(pk=pk)
            if invitation.state != Invitation.PENDING:
                raise serializers.ValidationError(
                    {"detail": f"This invitation is {invitation.state}: nothing to revoke."}
                )
            self._revoke(invitation)
        self._log("invitation_revoked", invitation.pk, reason="revoked")
        return Response(self.get_serializer(self.get_object()).data)

    def _revoke(self, invitation: Invitation) -> int:
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = cast(User, self.request.user)  # a manager: never anonymous
        invitation.save(update_fields=["revoked_at", "revoked_by"])
        return invitation.pk

    def _log(self, name: str, invitation_id: int, **fields: str) -> None:
        """A security-log line, once the change is made."""
        username = self.request.user.get_username()
        event(name, username, self.request._request, invitation=invitation_id, **fields)


def refused(request: HttpRequest, name: str, invitation: Invitation | None = None) -> HttpResponse:
    """The one answer to a key that accepts nothing, in the security log as
    ``name`` and counted by django-axes as a failed log-in (a 429 once the
    client is locked out). The key of an invitation that no longer works is
    in that invitation's audit trail too."""
    if invitation is not None:
        LogEntry.objects.log_create(
            invitation,
            force_log=True,
            action=LogEntry.Action.ACCESS,
            remote_addr=client_address(request) or None,
            additional_data={"refused": invitation.state},
        )
    request.security_event = name  # type: ignore[attr-defined]  # read by security.py
    user_login_failed.send(__name__, credentials=NO_USERNAME, request=request)
    if getattr(request, "axes_locked_out", False):
        return lockout_response(request)
    return Response(INVALID, status=status.HTTP_400_BAD_REQUEST)


def locked_out(request: HttpRequest) -> bool:
    """A client that has guessed too much, at keys or at passwords."""
    return client_locked_out(request) or not AxesProxyHandler.is_allowed(request, NO_USERNAME)


def invitation_of(key: str, *, lock: bool = False) -> Invitation | None:
    invitations = Invitation.objects.select_related("role")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    return invitations.filter(token_hash=key_hash(key)).first()


class PublicView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    checks_csrf = True
    # django-axes' lock-out answers 429.
    rate_limited = True


class CheckView(PublicView):
    """What an invitation key is for: the address and the role."""

    @extend_schema(request=KeySerializer, responses=InvitedSerializer)
    def post(self, request: Request) -> HttpResponse:
        check_csrf(request)
        serializer = KeySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        django_request = request._request
        if locked_out(django_request):
            return refused(django_request, "invitation_check_failed")
        invitation = invitation_of(serializer.validated_data["key"])
        if invitation is None or invitation.state != Invitation.PENDING:
            return refused(django_request, "invitation_check_failed", invitation)
        return Response({"email": invitation.email, "role": invitation.role.name})


class AcceptView(PublicView):
    """Accept an invitation: an active account with the invited address, the
    chosen username and password, and the invitation's role. Once."""

    @extend_schema(request=AcceptSerializer, responses={201: AcceptedSerializer})
    def post(self, request: Request) -> HttpResponse:
        check_csrf(request)
        serializer = AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, username, password = (
            serializer.validated_data[name] for name in ("key", "username", "password")
        )
        django_request = request._request
        if locked_out(django_request):
            return refused(django_request, "invitation_accept_failed")
        with transaction.atomic():
            # Locked until committed: a second accept of the key waits here,
            # then finds the invitation accepted.
            invitation = invitation_of(key, lock=True)
            if invitation is None or invitation.state != Invitation.PENDING:
                return refused(django_request, "invitation_accept_failed", invitation)
            user = self._accept(invitation, username, password, django_request)
        event("invitation_accepted", username, django_request, invitation=invitation.pk)
        transaction.on_commit(lambda: invitation_accepted_notice.enqueue(invitation.pk))
        answer = {"username": username, "email": user.email, "role": invitation.role.name}
        return Response(answer, status=status.HTTP_201_CREATED)

    def _accept(self, invitation: Invitation, username: str, password: str, request: HttpRequest):
        User = get_user_model()
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise serializers.ValidationError({"detail": HAS_ACCOUNT})
        # Told apart by case too, so that no two usernames read alike.
        if User.objects.filter(username__iexact=username).exists():
            raise serializers.ValidationError({"username": [TAKEN]})
        check_password(password, username, invitation.email)
        try:
            with transaction.atomic():
                user = User.objects.create_user(username, invitation.email, password)
        except IntegrityError:  # the same username, chosen at the same moment
            raise serializers.ValidationError({"username": [TAKEN]}) from None
        user.groups.add(invitation.role)
        with set_actor(user, remote_addr=client_address(request) or None):
            invitation.accepted_at = timezone.now()
            invitation.accepted_user = user
            invitation.save(update_fields=["accepted_at", "accepted_user"])
        return user
