"""The main job: its steps (one definition, `steps.py`) and the runner `make run` uses."""

from .steps import MAIN_JOB, Step, steps_for

__all__ = ["MAIN_JOB", "Step", "steps_for"]
