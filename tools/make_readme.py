"Write README.md from nbs/index.ipynb (the docs home page), since nbdev's own `nbdev-readme` needs Quarto."
from pathlib import Path
from fastcore.script import call_parse
from fastcore.nbio import read_nb

ROOT = Path(__file__).resolve().parents[1]

def _code(src:str)->str:
    "A code cell's source without nbdev directives, as a fenced Python block."
    lines = [l for l in src.splitlines() if not l.startswith('#|')]
    return '```python\n' + '\n'.join(lines).strip('\n') + '\n```'

def _output(o:dict)->str:
    "One output as markdown: rendered markdown as it is, text in a fenced block."
    data = o.get('data', {})
    if 'text/markdown' in data: return ''.join(data['text/markdown']).strip('\n')
    text = ''.join(o.get('text', '') if o['output_type'] == 'stream' else data.get('text/plain', '')).strip('\n')
    return '```\n' + text + '\n```' if text else ''

def _outputs(cell)->list:
    "A code cell's text and markdown outputs."
    return [t for o in cell.get('outputs', []) if o['output_type'] in ('stream', 'execute_result', 'display_data') and (t := _output(o))]

def readme_text(nb_path:Path=ROOT/'nbs/index.ipynb' # the notebook to convert
               )->str: # the README's markdown
    "Markdown for README.md: the notebook's markdown cells, its code cells and their text outputs."
    parts = []
    for cell in read_nb(nb_path).cells:
        if cell.cell_type == 'markdown': parts.append(cell.source.strip())
        elif cell.cell_type == 'code' and cell.source.strip() and not cell.source.startswith('#| hide'):
            parts += [_code(cell.source), *_outputs(cell)]
    return '\n\n'.join(parts) + '\n'

@call_parse
def main(check:bool=False # only check that README.md is up to date (exit 1 if not)
        ):
    "Write README.md from nbs/index.ipynb, or check that it is up to date."
    text, readme = readme_text(), ROOT/'README.md'
    if check:
        if not readme.exists() or readme.read_text() != text: raise SystemExit('README.md is out of date: run `.venv/bin/python tools/make_readme.py`')
    else: readme.write_text(text)
