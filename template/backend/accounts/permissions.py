from rest_framework.permissions import DjangoModelPermissions

VIEW = ["%(app_label)s.view_%(model_name)s"]


class ModelPermissions(DjangoModelPermissions):
    """The API's default: a logged-in user with the model permission for the method.

    DRF's DjangoModelPermissions lets every logged-in user read; here reading
    needs the ``view`` permission too, so an account without a role sees nothing.
    """

    perms_map = {**DjangoModelPermissions.perms_map, "GET": VIEW, "HEAD": VIEW, "OPTIONS": VIEW}
