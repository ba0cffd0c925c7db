"""linkcheck: keeps a website migration honest.

It crawls the new sites, pairs every upgraded page with its legacy counterpart, validates the
redirect map statically and against the live servers, writes nginx rules from it and renders
reports for CI, webmasters and machines.
"""

__version__ = "0.1.0"
