"""A deterministic multilingual static site for the crawl benchmarks (issue 7).

`python benchmarks/gensite.py OUT --pages N [--seed S]` writes N article pages spread over
English, French and Greek (Greek-script folders and file names, UTF-8 on disk, so nginx,
which decodes `$uri`, serves `/el/%CE%AC...` from them), plus a home page and one index per
language. Every article carries 20-40 internal links (root-relative, same-folder relative,
Greek ones sometimes raw UTF-8 and sometimes percent-encoded, some with a `#fragment` that
exists), one to three images and two stylesheets. Planted problems, about 1% of the link
occurrences: links to missing pages and missing images, and a few links whose `#fragment` is
not on the target page. `manifest.json` lists every page and every planted problem, so a
checker's findings can be scored against it.

Reachability is guaranteed by a binary tree over the articles (article i links to 2i+1 and
2i+2), so a recursive crawl from `/` reaches every page within log2(N) levels. The same seed
and N give byte-identical output.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

LANGS = ("en", "fr", "el")
SECTION = {"en": "articles", "fr": "articles", "el": "άρθρα"}
TOPICS = {
    "en": ("news", "science", "culture", "sport", "travel", "health", "economy", "history"),
    "fr": ("actualités", "science", "culture", "sport", "voyage", "santé", "économie", "histoire"),
    "el": ("ειδήσεις", "επιστήμη", "πολιτισμός", "αθλητισμός", "ταξίδια", "υγεία", "οικονομία"),
}
WORDS = {
    "en": (
        "river",
        "meeting",
        "bridge",
        "garden",
        "report",
        "market",
        "school",
        "harbour",
        "festival",
        "library",
        "museum",
        "council",
        "forest",
        "island",
        "station",
        "theatre",
    ),
    "fr": (
        "rivière",
        "réunion",
        "pont",
        "jardin",
        "rapport",
        "marché",
        "école",
        "port",
        "fête",
        "bibliothèque",
        "musée",
        "conseil",
        "forêt",
        "île",
        "gare",
        "théâtre",
    ),
    "el": (
        "ποτάμι",
        "συνάντηση",
        "γέφυρα",
        "κήπος",
        "έκθεση",
        "αγορά",
        "σχολείο",
        "λιμάνι",
        "γιορτή",
        "βιβλιοθήκη",
        "μουσείο",
        "συμβούλιο",
        "δάσος",
        "νησί",
        "σταθμός",
        "θέατρο",
    ),
}
SECTIONS_PER_PAGE = 3  # ids s1..s3 exist on every article
IMAGES_PER_PAGE = 50  # one distinct image per this many articles
# A tiny valid PNG (1x1, transparent): every image on the site is this file.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
CSS = "body{font-family:sans-serif;margin:2em}nav a{margin-right:1em}\n"


def enc(path: str) -> str:
    """The percent-encoded (ASCII) spelling of a decoded path, as a browser would send it."""
    return quote(path, safe="/")


@dataclass
class Plan:
    """What the generator will write, decided before any file is written."""

    n: int
    seed: int
    paths: list[str] = field(default_factory=list)  # decoded article paths, index = article
    images: list[str] = field(default_factory=list)
    broken_pages: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    # article index -> planted links (href, kind, decoded target path)
    planted: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)  # broken path -> referrers
    missing_fragments: dict[str, list[str]] = field(default_factory=dict)


def _article_path(rng: random.Random, lang: str, i: int) -> str:
    topics, words = TOPICS[lang], WORDS[lang]
    topic = topics[i % len(topics)]
    slug = f"{words[rng.randrange(len(words))]}-{words[rng.randrange(len(words))]}-{i}"
    return f"/{lang}/{SECTION[lang]}/{topic}/{slug}.html"


def plan_site(n: int, seed: int = 7) -> Plan:
    """Decide every path and every planted problem for N articles (pure, deterministic)."""
    rng = random.Random(seed)
    plan = Plan(n=n, seed=seed)
    plan.paths = [_article_path(rng, LANGS[i % 3], i) for i in range(n)]
    plan.images = [
        f"/static/img/{LANGS[k % 3]}/{'εικόνα' if k % 3 == 2 else 'image'}-{k}.png"
        for k in range(max(1, n // IMAGES_PER_PAGE))
    ]
    # Missing targets: about n/50 distinct (two thirds pages, one third images); each is
    # planted once on a spread-out article, and about as many extra occurrences again at
    # random, so about 1% of all link occurrences are broken.
    n_broken = max(3, n // 50)
    for k in range(n_broken):
        lang = LANGS[k % 3]
        if k % 3 == 1:
            plan.broken_images.append(f"/static/img/{lang}/missing-{k}.png")
        else:
            topic = TOPICS[lang][k % len(TOPICS[lang])]
            word = WORDS[lang][k % len(WORDS[lang])]
            plan.broken_pages.append(f"/{lang}/{SECTION[lang]}/{topic}/{word}-gone-{k}.html")
    pool = [(p, "page") for p in plan.broken_pages] + [(p, "image") for p in plan.broken_images]
    pool.sort()
    spots = [(k * 7919) % n for k in range(len(pool))]
    spots += [rng.randrange(n) for _ in range(len(pool))]
    for k, page in enumerate(spots):
        target, kind = pool[k % len(pool)]
        plan.planted.setdefault(page, []).append((target, kind, target))
    for page, items in plan.planted.items():
        for _href, _kind, target in items:
            referrers = plan.sources.setdefault(target, [])
            if plan.paths[page] not in referrers:
                referrers.append(plan.paths[page])
    # Missing fragments: a few links to an existing article with an id it does not carry.
    for k in range(max(2, n // 1000)):
        source, target = rng.randrange(n), rng.randrange(n)
        if source == target:
            target = (target + 1) % n
        url = f"{plan.paths[target]}#gone-{k}"
        plan.planted.setdefault(source, []).append((url, "fragment", url))
        plan.missing_fragments.setdefault(url, []).append(plan.paths[source])
    return plan


def _href(rng: random.Random, here: str, target: str) -> str:
    """One of the spellings a real site uses for a link from `here` to `target`."""
    folder = here.rsplit("/", 1)[0]
    path, _, fragment = target.partition("#")
    tail = f"#{fragment}" if fragment else ""
    roll = rng.random()
    if path.rsplit("/", 1)[0] == folder and roll < 0.5:
        href = path.rsplit("/", 1)[1]  # same folder, relative
        return (href if roll < 0.25 else enc(href)) + tail
    if roll < 0.7:
        return enc(path) + tail
    return path + tail  # raw UTF-8 where the path is not ASCII


def _page_html(plan: Plan, i: int, rng: random.Random) -> str:
    here = plan.paths[i]
    lang = LANGS[i % 3]
    n = plan.n
    targets: list[str] = []
    for child in (2 * i + 1, 2 * i + 2, i + 1):
        if child < n:
            targets.append(plan.paths[child])
    # Neighbours in the same folder make relative links; the rest are anywhere on the site.
    count = rng.randint(20, 40) - len(targets)
    for _ in range(count):
        roll = rng.random()
        if roll < 0.3:
            j = i + 3 * len(TOPICS[lang]) * rng.randint(-4, 4)  # same topic folder
            j = j if 0 <= j < n else rng.randrange(n)
        else:
            j = rng.randrange(n)
        if j == i:
            j = (i + 3) % n
        target = plan.paths[j]
        if roll > 0.9:
            target += f"#s{rng.randint(1, SECTIONS_PER_PAGE)}"
        targets.append(target)
    links = [_href(rng, here, t) for t in targets]
    links += [
        _href(rng, here, href) for href, kind, _t in plan.planted.get(i, []) if kind != "image"
    ]
    images = [plan.images[(i + 17 * k) % len(plan.images)] for k in range(1 + i % 3)] + [
        href for href, kind, _t in plan.planted.get(i, []) if kind == "image"
    ]
    title = here.rsplit("/", 1)[1][:-5].replace("-", " ")
    out = [
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        '<link rel="stylesheet" href="/static/css/site.css">',
        f'<link rel="stylesheet" href="/static/css/{lang}.css"></head><body>',
        f'<nav><a href="/">home</a><a href="/{lang}/">{lang}</a></nav>',
        f'<h1 id="top">{title}</h1>',
    ]
    per_section = -(-len(links) // SECTIONS_PER_PAGE)
    for s in range(SECTIONS_PER_PAGE):
        out.append(f'<h2 id="s{s + 1}">{title} {s + 1}</h2><p>')
        chunk = links[s * per_section : (s + 1) * per_section]
        out.extend(f'<a href="{href}">{title} {k}</a> ' for k, href in enumerate(chunk))
        out.append("</p>")
    out.extend(f'<img src="{enc(src)}" alt="">' for src in images)
    out.append("</body></html>\n")
    return "\n".join(out)


def _index_html(title: str, lang: str, hrefs: list[str]) -> str:
    items = "".join(f'<li><a href="{enc(h)}">{h}</a></li>' for h in hrefs)
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{title}'
        f'</title><link rel="stylesheet" href="/static/css/site.css"></head>'
        f"<body><h1>{title}</h1><ul>{items}</ul></body></html>\n"
    )


def index_pages(plan: Plan) -> list[str]:
    """The decoded paths of the home page and the language indexes (also crawled)."""
    return ["/", *(f"/{lang}/" for lang in LANGS)]


def generate(out: Path, n: int, seed: int = 7) -> dict[str, object]:
    """Write the site for N articles into `out` (replacing it) and return the manifest."""
    plan = plan_site(n, seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    made: set[str] = set()

    def write(path: str, data: str | bytes) -> None:
        file = out / path.lstrip("/")
        if path.endswith("/"):
            file = file / "index.html"
        folder = str(file.parent)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        if isinstance(data, str):
            data = data.encode("utf-8")
        file.write_bytes(data)

    write("/", _index_html("linkcheck benchmark", "en", [f"/{lang}/" for lang in LANGS]))
    for k, lang in enumerate(LANGS):
        firsts = [plan.paths[i] for i in range(k, min(plan.n, k + 30), 3)]
        write(f"/{lang}/", _index_html(lang, lang, [*firsts, plan.paths[0]]))
    write("/static/css/site.css", CSS)
    for lang in LANGS:
        write(f"/static/css/{lang}.css", f"html[lang={lang}]{{color:#222}}\n")
    for image in plan.images:
        write(image, PNG)
    rng = random.Random(seed * 1_000_003 + n)
    for i in range(plan.n):
        write(plan.paths[i], _page_html(plan, i, rng))
    manifest: dict[str, object] = {
        "seed": seed,
        "articles": n,
        "pages": [enc(p) for p in index_pages(plan) + plan.paths],
        "broken": [
            {"url": enc(target), "kind": kind, "sources": [enc(s) for s in plan.sources[target]]}
            for target, kind in sorted(
                [(p, "page") for p in plan.broken_pages]
                + [(p, "image") for p in plan.broken_images]
            )
        ],
        "missing_fragments": [
            {
                "url": enc(url.partition("#")[0]) + "#" + url.partition("#")[2],
                "sources": [enc(s) for s in sources],
            }
            for url, sources in sorted(plan.missing_fragments.items())
        ],
        "images": len(plan.images),
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = generate(args.out, args.pages, args.seed)
    broken = manifest["broken"]
    assert isinstance(broken, list)
    print(
        f"{args.out}: {args.pages} articles, {len(broken)} broken targets planted "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
