"""Build the HTML docs without Quarto: nbdev's docs processing of every notebook, then nbconvert's HTML exporter.

Each notebook in `nbs/` goes through the processors `nbdev-proc-nbs` applies (front matter, `show_doc` cells added after
exported definitions and rendered, export cells hidden, links to symbols), into `--proc`; its saved outputs are kept as
they are. The notebooks' own code is not run: only the cells the API sections need (exported cells, cells holding only
imports, `show_doc` calls), whereas nbdev would also run any cell that contains an import. `nbdev-docs` still works
from `nbs/_quarto.yml` wherever Quarto is installed.

    .venv/bin/python tools/build_docs.py             # pages in _docs/, open _docs/index.html"""
import ast, os, re, shutil, time, yaml
from html import escape
from pathlib import Path
from fastcore.script import call_parse
from fastcore.nbio import read_nb, write_nb
from nbconvert import HTMLExporter
from traitlets.config import Config
from nbdev.config import get_config
from nbdev.processors import FilterDefaults, exec_show_docs, _show_docs
import nbformat

ROOT = Path(__file__).resolve().parents[1]
API_DIRECTIVES = {'export', 'exports', 'exporti', 'exec_doc'}
ASSETS = {'.png', '.jpg', '.jpeg', '.gif', '.svg', '.webp', '.css'}

def _only_imports(trees)->bool:
    "Whether a cell's top-level statements are all imports."
    return bool(trees) and all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in trees)

class exec_api_cells(exec_show_docs):
    "nbdev's `exec_show_docs`, running only exported cells, import-only cells and `show_doc` calls."
    def __call__(self, cell):
        if not self.nb.has_docs_ or not hasattr(self, 'k') or cell.cell_type != 'code' or not cell.source: return
        trees = cell.parsed_() or []
        if cell.directives_.keys() & API_DIRECTIVES or _only_imports(trees) or _show_docs(trees): self.k.cell(cell)
        if e := self.k.exc:
            first = next((l for l in cell.source.splitlines() if l.strip() and not l.startswith('#|')), '')
            raise RuntimeError(f'the cell starting `{first}` failed while rendering the API docs: {type(e).__name__}: {e}')

class DocsFilters(FilterDefaults):
    "nbdev's docs processors, with `exec_api_cells` in place of `exec_show_docs`."
    def base_procs(self): return [exec_api_cells if p is exec_show_docs else p for p in super().base_procs()]

def proc_nb(src:Path, # a notebook in `nbs/`
            dst:Path, # where the processed notebook goes
           ):
    "Process `src` for the docs the way `nbdev-proc-nbs` does, into `dst`."
    nb, cwd = read_nb(src), os.getcwd()
    os.environ['IN_TEST'] = '1'
    try:
        os.chdir(src.parent)
        DocsFilters()(nb)
    except Exception as e: raise RuntimeError(f'{src.name}: {e}') from e
    finally: os.chdir(cwd); os.environ.pop('IN_TEST', None)
    dst.parent.mkdir(parents=True, exist_ok=True)
    write_nb(nb, dst)

def front_matter(nb)->dict:
    "The YAML front matter nbdev writes as the processed notebook's first raw cell ({} if none)."
    c = nb.cells[0] if nb.cells else None
    if c is None or c.cell_type != 'raw' or not c.source.startswith('---'): return {}
    return yaml.safe_load(c.source.strip().strip('-')) or {}

def page_name(nb, stem:str)->str:
    "The page's file name: the front matter's `output-file` (as Quarto uses it), else the notebook's name."
    return front_matter(nb).get('output-file') or f'{stem}.html'

_re_directive = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_re_pandoc_link = re.compile(r'\[([^\]]*)\]\(([^)\s]+)\)\{([^}]*)\}')

def _directives(cell)->dict:
    "Remove the Quarto `#| key: value` lines left in a code cell's source and return them."
    lines, found = cell.source.splitlines(), {}
    while lines and (m := _re_directive.match(lines[0])):
        found[m[1]] = m[2].strip('"\'').lower()
        lines.pop(0)
    cell.source = '\n'.join(lines)
    return found

def _pandoc_links(md:str)->str:
    "Markdown links with Pandoc attributes (`[t](u){target=...}`) as HTML links."
    return _re_pandoc_link.sub(lambda m: f'<a href="{escape(m[2])}" {m[3]}>{escape(m[1])}</a>', md)

def _local_links(text:str, site:str)->str:
    "Links to the published docs made relative, so the built pages link to each other."
    return text.replace(site + '/', '') if site else text

def prepare_cells(nb, site:str=''):
    "Apply the Quarto cell options (`echo`, `output`, `include`), title and front matter to the processed notebook."
    fm, cells = front_matter(nb), []
    if fm: nb.cells = nb.cells[1:]
    if fm.get('title'):
        head = f"# {fm['title']}" + (f"\n\n> {fm['description']}" if fm.get('description') else '')
        cells.append(nbformat.v4.new_markdown_cell(head))
    for cell in nb.cells:
        if cell.cell_type == 'markdown': cell.source = _local_links(_pandoc_links(cell.source), site)
        if cell.cell_type != 'code': cells.append(cell); continue
        cell.metadata.pop('execution', None)
        d = _directives(cell)
        if d.get('include') == 'false': continue
        if d.get('output') == 'false': cell.outputs = []
        if d.get('echo') == 'false' or not cell.source.strip(): cell.metadata.setdefault('tags', []).append('remove_input')
        for o in cell.outputs:
            md = o.get('data', {}).get('text/markdown')
            if md is not None: o.data['text/markdown'] = _local_links(_pandoc_links(''.join(md)), site)
        if cell.source.strip() or cell.outputs: cells.append(cell)
    nb.cells = cells
    return nb

def nav_bar(pages:list, # (file name, title) of every page, in order
            current:str, # this page's file name
           )->str:
    "A navigation bar linking all pages."
    links = ' '.join(f'<a href="{f}"{" class=current" if f == current else ""}>{escape(t)}</a>' for f, t in pages)
    return f'<nav class="docs-nav">{links}</nav>'

PAGE_CSS = ('<style>.jp-RenderedMarkdown pre{background:#f5f5f5;padding:.5em .8em;border-radius:4px}.docs-nav{position:sticky;top:0;z-index:10;background:#2780e3;padding:.6em 1em;font-family:sans-serif}'
           '.docs-nav a{color:#fff;margin-right:1.2em;text-decoration:none}.docs-nav a.current{font-weight:bold;text-decoration:underline}</style>')

def exporter()->HTMLExporter:
    "nbconvert's HTML exporter, hiding tagged inputs and prompts; MathJax comes from its CDN (math renders only online)."
    cfg = Config({'TagRemovePreprocessor': {'enabled': True, 'remove_input_tags': {'remove_input'}}})
    return HTMLExporter(config=cfg, template_name='lab', require_js_url='', exclude_input_prompt=True, exclude_output_prompt=True)

_re_heading_id = re.compile(r'(<h[1-6] id="|<a class="anchor-link" href="#)([^"]+)"')

def render_page(nb, title:str, nav:str)->str:
    "The HTML of one processed notebook, with `title`, the navigation bar, and lowercase heading ids as nbdev's links expect."
    html, _ = exporter().from_notebook_node(nb)
    html = re.sub(r'<title>.*?</title>', f'<title>{escape(title)}</title>', html, count=1, flags=re.S)
    html = _re_heading_id.sub(lambda m: m[1] + m[2].lower() + '"', html)
    html = html.replace('</head>', PAGE_CSS + '</head>', 1)
    return re.sub(r'(<body[^>]*>)', lambda m: m[1] + nav, html, count=1)

def notebooks(nbs:Path)->list:
    "The notebooks to publish, index first, then by name (files starting with `_` or `.` are skipped)."
    found = sorted(p for p in nbs.glob('*.ipynb') if p.name[0] not in '_.')
    return sorted(found, key=lambda p: p.stem != 'index')

def copy_assets(nbs:Path, out:Path):
    "Copy the images and stylesheets under `nbs/` that pages may refer to."
    for f in nbs.rglob('*'):
        rel = f.relative_to(nbs)
        if f.is_file() and f.suffix.lower() in ASSETS and not any(p[0] in '_.' for p in rel.parts):
            (out/rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, out/rel)

def build_docs(out:Path, # folder for the HTML pages
               proc:Path, # folder for the processed notebooks
               nbs:Path=None, # the notebooks (default: the project's `nbs/`)
              )->list: # the pages written
    "Process every notebook and write one HTML page per notebook into `out`."
    cfg = get_config(ROOT)
    nbs, out, proc = Path(nbs or cfg.nbs_path).resolve(), Path(out).resolve(), Path(proc).resolve()
    srcs = notebooks(nbs)
    if not srcs: raise ValueError(f'no notebooks in {nbs}')
    site = (cfg.get('doc_host', '') + cfg.get('doc_baseurl', '')).rstrip('/')
    processed = []
    for src in srcs:
        proc_nb(src, proc/src.name)
        nb = nbformat.read(proc/src.name, as_version=4)
        fm = front_matter(nb)
        processed.append((page_name(nb, src.stem), fm.get('title') or src.stem, prepare_cells(nb, site)))
    out.mkdir(parents=True, exist_ok=True)
    pages = [(f, t) for f, t, _ in processed]
    for f, t, nb in processed:
        tmp = out/f'.{f}.tmp'
        tmp.write_text(render_page(nb, t, nav_bar(pages, f)), encoding='utf-8')
        tmp.replace(out/f)
    copy_assets(nbs, out)
    return [out/f for f, _ in pages]

@call_parse
def main(out:str='_docs', # folder for the HTML pages
         proc:str='_proc', # folder for the processed notebooks
         nbs:str=None, # the notebooks (default: the project's `nbs/`)
        ):
    "Build the HTML docs (one page per notebook, API sections included) without Quarto."
    start = time.time()
    try: pages = build_docs(Path(out), Path(proc), Path(nbs) if nbs else None)
    except (RuntimeError, ValueError) as e: raise SystemExit(f'build_docs: error: {e}')
    print(f'{len(pages)} pages in {out} ({time.time()-start:.0f}s): ' + ' '.join(p.name for p in pages))
