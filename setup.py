"""Only for the optional C sizing loop; everything else is in pyproject.toml.

`optional=True`: where no C compiler is at hand the build goes on without it, and hygiene sizes
folders in Python (hygiene/scan/measure.py), slower, with the same results.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "hygiene.scan.speed._measure", ["hygiene/scan/speed/_measure.c"], optional=True
        )
    ]
)
