"""``python -m docforge.cli``."""

from . import main

main()  # click exits with the command's code
