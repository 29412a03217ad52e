from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "company", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["last_name", "first_name", "email"]
    readonly_fields = ["created_at", "updated_at"]
    # A full COUNT(*) on every changelist page is slow on a large table.
    show_full_result_count = False
