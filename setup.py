"""Build hook for the optional compiled event-file scanner (all metadata is in pyproject.toml).

``optional=True``: without a C compiler the install still succeeds and logscope reads
event files with the identical pure-Python scanner (``logscope/readers/_tfscan_py.py``).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "logscope.readers._tfscan",
            sources=["logscope/readers/_tfscan.c"],
            optional=True,
        )
    ]
)
