"""Each log line is printed once: Django's own records (runserver's "Watching for file changes") included."""

import io
import logging
import sys

from django.conf import settings
from django.utils.log import configure_logging


def test_a_django_record_is_printed_once_with_debug_on(monkeypatch):
    monkeypatch.setattr(settings, "DEBUG", True)  # Django's console handler only speaks with DEBUG on
    printed = io.StringIO()
    monkeypatch.setattr(sys, "stderr", printed)
    try:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
        logging.getLogger("django.utils.autoreload").info("Watching for file changes with StatReloader")
        logging.getLogger("django.request").error("Internal Server Error: /boom/")
    finally:
        monkeypatch.undo()
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    lines = printed.getvalue().splitlines()
    assert lines.count("Watching for file changes with StatReloader") == 1
    assert lines.count("Internal Server Error: /boom/") == 1  # errors still reach the console
