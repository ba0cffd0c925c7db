"""`python -m linkcheck` runs the command line."""

from linkcheck.cli import entry

entry()
