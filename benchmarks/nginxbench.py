"""nginx export of a big map: generation time and `nginx -t` time (DESIGN.md §8: under 2 s).

Usage: python benchmarks/nginxbench.py [RULES]   (default 100,000)

Writes a generated map (exact ASCII and Greek paths, a few regexes, 410s, query modes) into a
temporary folder, loads it, renders the nginx rules, and runs Debian's nginx with `-t` on a
config that includes them (own prefix; nothing is served, the system nginx is not touched).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from linkcheck.config import load_config
from linkcheck.redirects.nginx import build_nginx, render_nginx

ORIGIN = "https://inter.example.org"
GREEK = ("άρθρο", "ειδήσεις", "συνάντηση", "αρχείο", "Ελλάδα", "υπουργείο")


def write_map(path: Path, rules: int) -> None:
    lines = ["version: 1", f"defaults: {{status: 301, origin: '{ORIGIN}'}}", "redirects:"]
    for n in range(rules - 20):
        if n % 10 == 3:
            word = GREEK[n % len(GREEK)]
            lines.append(f"  - {{from: /el/παλιά/{word}-{n}.html, to: /el/νέα/{word}-{n}/}}")
        elif n % 50 == 7:
            lines.append(f"  - {{from: /en/removed/{n}.html, status: 410}}")
        elif n % 25 == 11:
            lines.append(f"  - {{from: /en/q/{n}, to: '/en/new/{n}?from=old', query: drop}}")
        else:
            lines.append(f"  - {{from: /en/News/{n // 1000}/item-{n}.html, to: /en/articles/{n}/}}")
    for n in range(20):
        regex = f"^/section{n}/(\\d{{4}})/(.+)\\.html$"
        lines.append(f"  - {{from: '{regex}', to: '/s{n}/$2/?y=$1', regex: true}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


NGINX_CONF = """\
worker_processes 1;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    include {prefix}/linkcheck.conf;
    server {{
        listen 127.0.0.1:8;
        include {prefix}/linkcheck.server.conf;
    }}
}}
"""


def main() -> int:
    rules = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="nginxbench-") as folder:
        prefix = Path(folder)
        (prefix / "tmp").mkdir()
        map_path = prefix / "redirects.yaml"
        write_map(map_path, rules)
        start = time.perf_counter()
        config = load_config(map_path)
        loaded = time.perf_counter()
        export = build_nginx(config)
        generated = time.perf_counter()
        (prefix / "linkcheck.conf").write_text(export.http, encoding="utf-8")
        (prefix / "linkcheck.server.conf").write_text(export.server, encoding="utf-8")
        written = time.perf_counter()
        render_nginx(config)  # what `linkcheck nginx` does: the validator, then the build
        rendered = time.perf_counter()
        print(f"rules in map:        {len(config.rules):>9,}")
        print(f"rules exported:      {len(export.rules):>9,}  (refused {len(export.refused)})")
        print(f"http part:           {len(export.http.encode()) / 1e6:>9.1f} MB")
        print(f"load_config:         {loaded - start:>9.3f} s")
        print(f"build_nginx:         {generated - loaded:>9.3f} s")
        print(f"write both parts:    {written - generated:>9.3f} s")
        print(f"validate + build:    {rendered - written:>9.3f} s  (render_nginx)")
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            print("nginx -t:            skipped (nginx not installed)")
            return 0
        (prefix / "nginx.conf").write_text(NGINX_CONF.format(prefix=prefix), encoding="utf-8")
        start = time.perf_counter()
        checked = subprocess.run(
            [binary, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        verdict = "ok" if checked.returncode == 0 else "FAILED"
        print(f"nginx -t:            {elapsed:>9.3f} s  ({verdict})")
        warnings = [line for line in checked.stderr.splitlines() if "[warn]" in line]
        if checked.returncode != 0 or warnings:
            print(checked.stderr, file=sys.stderr)
        return checked.returncode


if __name__ == "__main__":
    raise SystemExit(main())
