"The docs build (`tools/build_docs.py`) and what a browser shows of it: pages for all notebooks, navigation, API sections."
import importlib, inspect, json, re, shutil, subprocess, sys
from html import unescape
from pathlib import Path
import nbformat, pytest
from fastcore.docments import docments

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import build_docs
NBS = sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if p.name[0] not in '_.')
INSTALL = 'apt-get update && apt-get install -y chromium   (Debian/Ubuntu, as root; .ci/run does this on CI)'

def chromium()->str:
    "The Chromium executable; fails with the install command when there is none."
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    if not exe: pytest.fail(f'Chromium is needed to check the rendered docs and is not installed: {INSTALL}')
    return exe

def dump_dom(page:Path, # an HTML file
             tmp:Path, # a folder for the browser's profile
            )->str: # the DOM after the page has loaded
    "The DOM of `page` as headless Chromium renders it, offline."
    flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', f'--user-data-dir={tmp/"chromium"}', '--dump-dom']
    r = subprocess.run([chromium(), *flags, page.as_uri()], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and '<body' in r.stdout, f'Chromium could not render {page}: {r.stderr[-2000:]}'
    return r.stdout

def text_of(dom:str)->str:
    "The visible text of a DOM, tags removed and entities decoded."
    return unescape(re.sub(r'<[^>]+>', '', re.sub(r'<(script|style)\b.*?</\1>', '', dom, flags=re.S)))

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "The docs built once into a temporary folder by the command line script."
    tmp = tmp_path_factory.mktemp('docs')
    r = subprocess.run([sys.executable, 'tools/build_docs.py', '--out', str(tmp/'site'), '--proc', str(tmp/'proc')],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f'tools/build_docs.py failed:\n{r.stdout}\n{r.stderr[-3000:]}'
    return tmp/'site'

def test_one_page_per_notebook(site):
    "Every notebook in `nbs/` has a page, `index.html` comes from `nbs/index.ipynb`."
    pages = sorted(p.name for p in site.glob('*.html'))
    assert len(pages) == len(NBS), f'{len(NBS)} notebooks but pages {pages}'
    assert 'index.html' in pages

def test_index_renders_with_navigation(site, tmp_path):
    "The home page renders in Chromium with a navigation bar linking every page."
    dom = dump_dom(site/'index.html', tmp_path)
    nav = re.search(r'<nav class="docs-nav">(.*?)</nav>', dom, flags=re.S)
    assert nav, 'the index page has no navigation bar'
    assert sorted(re.findall(r'href="([^"]+)"', nav[1])) == sorted(p.name for p in site.glob('*.html'))

def saved_images(nb:Path)->int:
    "How many image outputs a notebook has saved."
    return sum(k.startswith('image/') for c in json.loads(nb.read_text())['cells'] for o in c.get('outputs', []) for k in o.get('data', {}))

def test_saved_images_shown(site):
    "Every image output saved in a notebook is on its page, embedded."
    for nb in NBS:
        page = site/build_docs.page_name(nbformat.read(site.parent/'proc'/nb.name, as_version=4), nb.stem)
        shown = len(re.findall(r'<img [^>]*src="data:image/', page.read_text()))
        assert shown >= saved_images(nb), f'{nb.name} saved {saved_images(nb)} images, {page.name} shows {shown}'

def default_exp(nb:Path)->str|None:
    "The module a notebook exports to (its `#| default_exp`), or None."
    m = re.search(r'^#\|\s*default_exp\s+(\S+)', '\n'.join(c.source for c in nbformat.read(nb, as_version=4).cells if c.cell_type == 'code'), re.M)
    return m[1] if m else None

API_NBS = [nb for nb in NBS if default_exp(nb)]

@pytest.mark.parametrize('nb', API_NBS, ids=[p.stem for p in API_NBS])
def test_api_sections(site, tmp_path, nb):
    "Each module's page shows, in Chromium, a section for every public function and class of the module."
    mod = importlib.import_module(f'sardfq.{default_exp(nb)}')
    page = site/build_docs.page_name(nbformat.read(site.parent/'proc'/nb.name, as_version=4), nb.stem)
    dom = dump_dom(page, tmp_path)
    public = [n for n in getattr(mod, '__all__', []) if inspect.isfunction(getattr(mod, n)) or inspect.isclass(getattr(mod, n))]
    missing = [n for n in public if f'<h3 id="{n.lower()}"' not in dom]
    assert not missing, f'no API section for {missing} in {page.name}'

def test_models_page_shows_signature_and_docments(site, tmp_path):
    "`load_model`'s section shows its signature with every parameter's docment, as nbdev renders them."
    import sardfq.models as m
    text = text_of(dump_dom(site/'models.html', tmp_path))
    assert 'def load_model(' in text
    for name, doc in docments(m.load_model).items():
        if doc: assert f'# {doc}' in text, f'load_model: the docment of `{name}` ({doc!r}) is not shown'

def build(nbs:Path, tmp:Path):
    "Run the build script on the notebooks in `nbs`; returns the finished process."
    return subprocess.run([sys.executable, 'tools/build_docs.py', '--nbs', str(nbs), '--out', str(tmp/'site'), '--proc', str(tmp/'proc')],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)

def test_bad_notebooks_give_one_clear_line(tmp_path):
    "A notebook whose exported code fails, or no notebooks at all, stop the build with one line naming the problem."
    (tmp_path/'none').mkdir()
    r = build(tmp_path/'none', tmp_path)
    assert r.returncode != 0 and r.stderr.strip() == f"build_docs: error: no notebooks in {tmp_path/'none'}"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('#| default_exp broken'), nbformat.v4.new_markdown_cell('# Broken\n\n> test fixture'),
                                         nbformat.v4.new_code_cell('#| export\ndef f(x): return x\nraise ValueError("boom")')])
    (tmp_path/'nbs').mkdir()
    nbformat.write(nb, tmp_path/'nbs/00_broken.ipynb')
    r = build(tmp_path/'nbs', tmp_path)
    assert r.returncode != 0 and 'Traceback' not in r.stderr
    assert r.stderr.strip() == 'build_docs: error: 00_broken.ipynb: the cell starting `def f(x): return x` failed while rendering the API docs: ValueError: boom'
