"""Staff pages while Redis (the cache) cannot be reached: signing in and every staff page answer
as they would without a cache."""

import pytest
from django.urls import reverse

from tests.conftest import StaffClient, staff_code

from .test_staff_pages_privacy import _staff_pages, staff_objects

pytestmark = pytest.mark.usefixtures("cache_down")


def test_staff_sign_in_and_every_staff_page_answer_while_the_cache_is_down(administrator, petition):
    invalidation, job = staff_objects(administrator, petition)
    browser = StaffClient()
    administrator.set_password("correct horse battery staple")
    administrator.save()
    response = browser.post(
        reverse("admin:login"),
        {
            "username": administrator.username,
            "password": "correct horse battery staple",
            "otp_token": staff_code(administrator),
        },
    )
    assert response.status_code == 302, response.content[:500]
    pages = {"admin index": reverse("admin:index"), **_staff_pages(petition, invalidation, job)}
    answers = {name: browser.get(url).status_code for name, url in pages.items()}
    assert answers == dict.fromkeys(pages, 200)
