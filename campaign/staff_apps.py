from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin app, whose site is the staff site behind a second factor."""

    default_site = "campaign.staff_admin.StaffAdminSite"
