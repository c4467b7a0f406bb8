"""``python -m crawler.cli``: the ``zoo`` command."""

from . import main

main()
