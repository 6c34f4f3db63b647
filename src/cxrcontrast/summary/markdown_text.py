"""A user-named string (class, dataset, layer or file name, a data warning quoting them) as inert Markdown:
shown as written wherever it lands in summary.md (a line, a table cell, a block quote), never markup, a link or
raw HTML. The one Markdown escaper; reST has ``config.report_facts.rst_text``, HTML ``html.escape``."""

from __future__ import annotations

import re

# CommonMark punctuation that can start markup inline: raw HTML and entities (< > &), links and images
# (! [ ] ( )), emphasis and code (* _ `), strikethrough (~), math where it is rendered (GitHub: $), a table
# cell's end (|), headings (#) and the escape itself (\). A run of underscores is one match, judged by its neighbours.
MARKUP = re.compile(r"_+|[\\`*\[\]()<>!&#|~$]")


def _escaped(match: re.Match) -> str:
    """Each character backslash-escaped, except an underscore run between two letters or digits: such a run
    neither opens nor closes emphasis in CommonMark (it is both left- and right-flanking), so snake_case
    names stay as they were written."""
    text, start, end = match.string, match.start(), match.end()
    intraword = start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()
    if match.group()[0] == "_" and intraword:
        return match.group()
    return "".join("\\" + c for c in match.group())


def markdown_text(value) -> str:
    """``value`` as inert Markdown text on one line: a control character (a newline, which could end a table
    row or start a block) is shown as its escape (``\\n``), and each markup character is backslash-escaped."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(value))
    return MARKUP.sub(_escaped, text)
