"""Practice sets (trainers), under /training/practice/. Practice calls themselves are the
toolkit's (/toolkit/practice/): the live call page, marked PRACTICE."""

from __future__ import annotations

from django.urls import path

from training.views import practice

urlpatterns = [
    path("", practice.practice_sets, name="practice-sets"),
    path("new/", practice.practice_set_new, name="practice-set-new"),
    path("<int:pk>/", practice.practice_set, name="practice-set"),
]
