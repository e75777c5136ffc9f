"""Build hook for the optional compiled modules (all metadata is in pyproject.toml).

``optional=True``: without a C compiler the install still succeeds and logscope reads
event files with the identical pure-Python scanner (``logscope/readers/_tfscan_py.py``)
and takes rolling medians with numpy and scipy (``logscope/smoothing.py``), same numbers.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "logscope.readers._tfscan",
            sources=["logscope/readers/_tfscan.c"],
            optional=True,
        ),
        Extension(
            "logscope._medians",
            sources=["logscope/_medians.c"],
            optional=True,
        ),
    ]
)
