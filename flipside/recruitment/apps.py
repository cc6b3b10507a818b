from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "flipside.recruitment"
    label = "recruitment"
    verbose_name = "Recruitment"
