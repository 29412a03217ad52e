from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/auth/", include("accounts.urls")),
    path("api/", include("customers.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
]
