"""The staff login lockout: per username and address, and per username across addresses."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


class LockoutHandler(AxesDatabaseHandler):
    """django-axes compares the largest failure count among AXES_LOCKOUT_PARAMETERS with one
    limit; here the username across all addresses has its own, higher one.

    AXES_LOCKOUT_PARAMETERS is [[username, ip_address], username]: the first count is held to
    AXES_FAILURE_LIMIT, the second to AXES_USERNAME_FAILURE_LIMIT.
    """

    def get_failures(self, request, credentials=None) -> int:
        by_address, by_username = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_username >= settings.AXES_USERNAME_FAILURE_LIMIT:
            return max(by_address, get_failure_limit(request, credentials))
        return by_address
