from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "flipside.training"
    label = "training"
    verbose_name = "Training, handbook, ground rules and support"
