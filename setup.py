"""Package discovery only; everything else is in pyproject.toml.

The question bank ships inside the package as ``bot.questions`` so that a plain
``pip install .`` (or pipx) finds it anywhere, while its source stays the top-level
``questions/`` folder. pyproject.toml alone cannot add that mapped package to the ones
``packages.find`` discovers, hence this file.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["bot", "bot.*"]), "bot.questions"],
    package_dir={"bot.questions": "questions"},
)
