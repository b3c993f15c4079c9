"""The page a visitor gets when the site fails: the database unreachable is a short, translated
503 that says to come back (Retry-After); any other failure the 500 page."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory
from django.utils import translation

from campaign.errors import server_error

HEADINGS = {"en": "Back in a moment", "ru": "Скоро вернёмся", "kk": "Жақында ораламыз"}


def _answer(exception, language):
    # Django calls handler500 inside the except block of the failed request.
    with translation.override(language):
        try:
            raise exception
        except Exception:  # noqa: BLE001 - as Django's handler does
            return server_error(RequestFactory().get("/"))


@pytest.mark.parametrize("exception", [OperationalError("connection refused"), InterfaceError("connection closed")])
@pytest.mark.parametrize("language", HEADINGS)
def test_an_unreachable_database_answers_a_translated_503_with_retry_after(exception, language):
    response = _answer(exception, language)
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert HEADINGS[language] in page and f'<html lang="{language}">' in page
    assert "connection" not in page  # nothing of the error itself


def test_any_other_failure_is_the_500_page():
    response = _answer(ValueError("bug"), "ru")
    assert response.status_code == 500 and "Что-то пошло не так" in response.content.decode()
    assert "Retry-After" not in response
