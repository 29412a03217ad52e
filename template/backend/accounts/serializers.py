def describe(user) -> dict:
    """Who is logged in and what they may do, for the page to show."""
    return {
        "username": user.get_username(),
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.get_all_permissions()),
    }
