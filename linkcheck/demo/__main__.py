"""`python -m linkcheck.demo serve`: keep the demo sites running on their fixed ports.

Then `linkcheck check` (the top-level `redirects.yaml`) checks them, as often as you like.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from linkcheck.demo.sites import FIXED_PORTS, Ports, serve


async def serve_forever(ports: Ports) -> None:
    async with serve(ports) as actual:
        for code, what in (("en", "English site"), ("fr", "French site"), ("el", "Greek site")):
            print(f"{what:>12}: {actual.origin(code)}/{code}/")
        print(f"{'archive':>12}: {actual.origin('old')}/")
        print("serving the demo sites; check them with `linkcheck check`; Ctrl-C stops")
        sys.stdout.flush()
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m linkcheck.demo")
    parser.add_argument("command", choices=("serve",), help="serve the demo sites")
    parser.parse_args(argv)
    try:
        asyncio.run(serve_forever(FIXED_PORTS))
    except OSError as exc:
        print(f"linkcheck demo: cannot serve on ports 8601-8604: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
