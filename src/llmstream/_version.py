"""The version of llmstream: written here once; pyproject.toml, `ls.__version__` and the
User-Agent header read it."""

__version__ = "0.1.0"
