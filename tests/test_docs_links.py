"""Every relative link of README.md and docs/*.md leads somewhere: the file exists, and a #anchor is a heading of
the file it points to (GitHub's slugs). Moving a section to docs/ must not leave a link behind."""

import re

import pytest
from conftest import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")


def links(text: str) -> list[str]:
    """The link targets of Markdown ``text`` outside code (a `[x](javascript:...)` in backticks is an example)."""
    return LINK.findall(CODE.sub("", FENCE.sub("", text)))


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, code marks and punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path) -> set[str]:
    text = FENCE.sub("", path.read_text())
    return {slug(m) for m in re.findall(r"^#+ (.+)$", text, re.M)}


def test_slugs_are_githubs():
    assert slug("Your own X-rays") == "your-own-x-rays"
    assert slug("What is in `metrics.json`") == "what-is-in-metricsjson"
    assert slug("Safety: a config layer given straight to Snakemake is code") == (
        "safety-a-config-layer-given-straight-to-snakemake-is-code"
    )
    assert links("[a](b.md) `[x](javascript:alert(1))` ![p](c.png)\n```\n[d](e.md)\n```\n") == ["b.md", "c.png"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in links(page.read_text()):
        if re.match(r"[a-z]+:", target):  # https:, mailto:: not this repository's
            continue
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading with that anchor in {path.relative_to(REPO)}")
    assert not broken, f"{page.relative_to(REPO)}: {broken}"


def test_the_readme_links_every_docs_page():
    """A page in docs/ that the README does not name is a page no user finds."""
    readme = links((REPO / "README.md").read_text())
    named = {target.partition("#")[0] for target in readme}
    assert not [p.name for p in PAGES[1:] if f"docs/{p.name}" not in named]
