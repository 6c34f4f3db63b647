"""Tables as self-contained HTML pages: how the report shows the summary's CSV files (its viewer renders
HTML, not CSV). Numbers are rounded for reading; the CSV beside each page keeps them whole."""

from __future__ import annotations

import html

from ..files import save_csv, save_text

# the summary's tables: output key -> title of its page in the report (the page's output key: <key>_page)
TABLES = {
    "metrics": "Test metrics per experiment and seed",
    "summary": "Test metrics per experiment, over seeds",
    "comparisons": "Each pretraining against its baseline",
    "embedding_table": "Embeddings: retrieval and probes",
    "official": "The official MedMNIST task",
    "fidelity": "Fidelity: the paper's text or the authors' code",
    "protocols": "Protocol sensitivity: Kendall's tau between the encoder states' rankings",
    "robustness": "Robustness: metrics under MedMNIST-C's corruptions, per severity",
}

STYLE = """body{font-family:system-ui,sans-serif;font-size:13px;margin:12px;color:#1e293b}
h1{font-size:16px;margin:0 0 4px}p{margin:0 0 10px;color:#475569}
table{border-collapse:collapse}th,td{padding:3px 8px;border-bottom:1px solid #e2e8f0;text-align:right}
th{background:#f1f5f9;position:sticky;top:0}td:first-child,th:first-child{text-align:left}
tr:hover td{background:#f8fafc}"""


def cell(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def html_table(rows: list[dict], title: str, note: str) -> str:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "\n".join("<tr>" + "".join(f"<td>{cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1><p>{html.escape(note)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></body></html>\n"
    )


def save_table_page(path: str, rows: list[dict], title: str, csv_path: str) -> None:
    note = f"{len(rows)} rows; the whole numbers are in {csv_path}."
    save_text(path, html_table(rows, title, note))


def save_tables(tables: dict[str, list[dict]], outputs: dict[str, str]) -> None:
    """Each of the summary's tables (a key of ``TABLES``) as its CSV and its page."""
    for key, rows in tables.items():
        save_csv(outputs[key], rows)
        save_table_page(outputs[f"{key}_page"], rows, TABLES[key], outputs[key])
