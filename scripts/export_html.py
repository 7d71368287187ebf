"""Export the executed notebooks as standalone, printable HTML pages with a table of contents (`make html`).

    python scripts/export_html.py                     # every notebook -> build/html/NN_name.html + index.html
    python scripts/export_html.py --out DIR notebooks/02_vanishing_gradients.ipynb

The pages show the outputs stored in the notebooks, which `make notebooks` produces from a clean run and
`make test` checks, so nothing is re-executed here. Each page has a contents list linking to its
sections, placed after the notebook's title, question and goals; when printed, those make the first page, and
cells are not split across pages. Formulas are typeset by MathJax, which the browser loads when the page is
opened (print from a browser that is online, or the formulas stay in LaTeX source form).
"""
import argparse
import html
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
HEADING = re.compile(r'<h([12]) id="([^"]+)">(.*?)<a class="anchor-link"', re.S)

STYLE = """
<style>
nav.course-toc { border: 1px solid #ccc; border-radius: 4px; padding: 0.6em 1.2em; margin: 1em 1em 2em 80px;
                 font-family: var(--jp-content-font-family, system-ui, sans-serif); }
nav.course-toc h2 { margin-top: 0.2em; font-size: 1.1em; }
nav.course-toc ol { margin: 0; padding-left: 1.4em; }
nav.course-toc li { margin: 0.15em 0; }
@media print {
  nav.course-toc { break-after: page; }
  .jp-Cell { break-inside: avoid; }
  .jp-InputPrompt, .jp-OutputPrompt { display: none; }
  a.anchor-link { display: none; }
}
</style>
"""


def toc(body):
    """An ordered list of the page's level-2 headings, each linking to its anchor."""
    items = [f'<li><a href="#{anchor}">{text.strip()}</a></li>'
             for level, anchor, text in HEADING.findall(body) if level == "2"]
    return f'<nav class="course-toc"><h2>Contents</h2><ol>{"".join(items)}</ol></nav>'


def title_of(nb, fallback):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def export(path, out_dir):
    nb = nbformat.read(path, as_version=4)
    title = title_of(nb, path.stem)
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    nav = toc(body)
    # The contents go after the first cell (the title, the question and the goals), so that a printed copy
    # has all of that on its first page.
    cells = [m.start() for m in re.finditer(r'<div class="jp-Cell ', body)]
    if len(cells) < 2:
        raise ValueError(f"{path.name}: nbconvert's page layout changed; update scripts/export_html.py")
    body = body[:cells[1]] + nav + "\n" + body[cells[1]:]
    body = body.replace("</head>", STYLE + "</head>", 1)
    target = out_dir / f"{path.stem}.html"
    target.write_text(body, encoding="utf-8")
    return target, title, nav.count("<li>")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/[0-9]*.ipynb")
    parser.add_argument("--out", default=str(ROOT / "build" / "html"))
    args = parser.parse_args(argv)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    if out_dir.resolve().parent == (ROOT / "build").resolve():
        (ROOT / "build" / ".gitignore").write_text("*\n")     # generated: keep it out of git
    paths = [Path(p) for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    rows = []
    for path in paths:
        target, title, sections = export(path, out_dir)
        rows.append(f'<li><a href="{html.escape(target.name)}">{html.escape(title)}</a> ({sections} sections)</li>')
        print(f"{target}  {sections} sections")
    (out_dir / "index.html").write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Course notebooks</title></head><body>"
        "<h1>Why a deeper network stops learning, and how to steer what a gradient step changes</h1>"
        f"<ol>{''.join(rows)}</ol></body></html>\n", encoding="utf-8")
    print(f"{out_dir / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
