"""poagraph: the Programme of Action reports as a knowledge graph with a SPARQL endpoint."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("poagraph")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
