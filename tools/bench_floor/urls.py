"""The API's own URLs, but that a request carrying the floor's header on the
customers paths goes to the floor's view instead: the same path for both,
so their answers (their links too) can be compared byte for byte."""

from django.conf import settings
from django.urls import path, resolve
from django.utils.module_loading import import_module
from django.views.decorators.csrf import csrf_exempt

from . import views

HEADER = "HTTP_X_BENCHMARK_FLOOR"
API = "/api/customers/"


def either(floor, api_path: str):
    api = resolve(api_path, urlconf=settings.API_URLCONF).func

    @csrf_exempt  # as the API's own views are: a token is no cookie
    def view(request, **kwargs):
        return (floor if HEADER in request.META else api)(request, **kwargs)

    return view


urlpatterns = [
    path("api/customers/", either(views.list_or_create, API)),
    path("api/customers/<int:pk>/", either(views.detail, f"{API}1/")),
    *import_module(settings.API_URLCONF).urlpatterns,
]
