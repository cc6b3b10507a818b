from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "flipside.matching"
    label = "matching"
    verbose_name = "Matching mentors and mentees"
