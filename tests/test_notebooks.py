"Run every notebook in `nbs/` through nbdev's test runner, and check that the package and notebooks are in sync."
import os, subprocess, sys, hashlib
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_nb

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith('_'))

@pytest.mark.parametrize('nb', NBS, ids=[p.stem for p in NBS])
def test_notebook(nb):
    "Each notebook runs top to bottom, skipping the cells flagged with `tst_flags` (e.g. `#| slow`)."
    ok, secs = run_nb(nb, skip_flags=get_config(ROOT).tst_flags.split(), basepath=ROOT)
    assert ok, f'{nb.name} failed after {secs:.0f}s: its traceback is printed above'

def _tree_state():
    "Hash of the working tree's tracked and untracked files, as git sees them."
    out = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=all'], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    files = sorted(l[3:].strip('"') for l in out.splitlines()) + sorted(str(p.relative_to(ROOT)) for p in [*ROOT.glob('sardfq/*.py'), *ROOT.glob('nbs/*.ipynb')])
    return {f: hashlib.md5((ROOT/f).read_bytes()).hexdigest() if (ROOT/f).is_file() else None for f in files}

def test_export_and_clean_leave_no_diff():
    "`nbdev-export` and `nbdev-clean` change nothing: the committed package matches the notebooks, which are clean."
    bindir = Path(sys.executable).parent
    before = _tree_state()
    for cmd in ('nbdev-export', 'nbdev-clean'): subprocess.run([str(bindir/cmd)], cwd=ROOT, check=True, capture_output=True)
    after = _tree_state()
    changed = sorted(f for f in set(before) | set(after) if before.get(f) != after.get(f))
    assert not changed, f'run nbdev-export and nbdev-clean, then commit: they changed {changed}'
