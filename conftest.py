import pytest


@pytest.fixture(autouse=True)
def _clinic_settings(settings):
    settings.CLINIC_TIME_ZONE = "Europe/London"
