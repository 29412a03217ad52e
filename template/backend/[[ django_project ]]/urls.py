from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# The API docs page: Swagger UI from drf-spectacular-sidecar's static files,
# so nothing is loaded from another site, and its setup script served as a
# file of its own (?script), so the CSP needs no inline-script exception.
# Its template drops drf-spectacular's inline <style> too.
api_docs = SpectacularSwaggerSplitView.as_view(template_name="api_docs.html", url_name="api-schema")

urlpatterns = [
    path("api/auth/", include("accounts.urls")),
    path("api/accounts/", include("accounts.invitations.urls")),
    # django-allauth's JSON API for the page (log-in, log-out, second factor,
    # password change and reset), at /api/auth/browser/v1/.
    path("api/auth/", include("allauth.headless.urls")),
    # The OpenAPI schema and its docs page, for logged-in users (settings).
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/", include("customers.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A path nothing is routed to: JSON under /api/, as every API answer is."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


handler404 = not_found
