"The docs build (`tools/build_docs.py`) and what a browser shows of it: pages for all notebooks, navigation, API sections."
import inspect, re, shutil, subprocess, sys
from html import unescape
from pathlib import Path
import pytest
from fastcore.docments import docments

ROOT = Path(__file__).resolve().parents[1]
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

def test_models_page_shows_api(site, tmp_path):
    "The models page shows a section for each exported function, with its signature and every parameter's docment."
    import sardfq.models as m
    dom = dump_dom(site/'models.html', tmp_path)
    text = text_of(dom)
    public = [n for n in m.__all__ if inspect.isfunction(getattr(m, n)) or inspect.isclass(getattr(m, n))]
    missing = [n for n in public if f'<h3 id="{n.lower()}"' not in dom]
    assert not missing, f'no API section for {missing} in models.html'
    assert 'def load_model(' in text
    for name, doc in docments(m.load_model).items():
        if doc: assert f'# {doc}' in text, f'load_model: the docment of `{name}` ({doc!r}) is not shown'
