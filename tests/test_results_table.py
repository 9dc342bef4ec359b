"`bench/results_table.py` on hand-written test fixtures shaped like `sardfq-run`'s results.json (not real results)."
import csv, io, json, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'bench'))
import results_table as rt

def fake_result(model='deit_tiny_patch16_224', method='sardfq', wbits=4, abits=4, seed=0, **synth):
    "A made-up results.json payload (test fixture) with every key sardfq-run writes."
    return {'model': model, 'method': method, 'wbits': wbits, 'abits': abits, 'seed': seed,
            'settings': {'synth': {'iters': 500, 'n': 32, 'apa': True, 'msr': True, 'sl': True, 'prior': 'gmm', **synth},
                         'quant': {'recon_iters': 1000, 'edges': 'wa', 'qat_epochs': 0}},
            'timings': {'synth': 60.0, 'calib': 5.0, 'recon': 100.0, 'qat': 0.0, 'eval': 15.0, 'total': 180.0},
            'fp': {'n': 468, 'top1': 11.11, 'top5': 22.22}, 'quant': {'n': 468, 'top1': 3.33, 'top5': 4.44},
            'peak_mem_mb': 1234.5, 'device': 'cpu', 'command': f'sardfq-run --model {model} --method {method} --wbits {wbits} --abits {abits}'}

def write(root:Path, name:str, payload):
    "Write one fixture run folder `root/name/results.json`."
    (root/name).mkdir(parents=True)
    (root/name/'results.json').write_text(payload if isinstance(payload, str) else json.dumps(payload))

def cli(*args):
    "Run the script; returns the finished process."
    return subprocess.run([sys.executable, str(ROOT/'bench/results_table.py'), *map(str, args)], capture_output=True, text=True)

@pytest.fixture
def runs(tmp_path):
    "Four fixture runs in nested folders, written in an order that is not the table's."
    write(tmp_path, 'b/w4a4-psaq', fake_result(method='psaq'))
    write(tmp_path, 'a/w8a8', fake_result(wbits=8, abits=8))
    write(tmp_path, 'c/w4a4-sardfq-nosl', fake_result(sl=False))
    write(tmp_path, 'swin', fake_result(model='swin_tiny_patch4_window7_224', wbits=6, abits=6, seed=1))
    return tmp_path

def test_rows_sorted_by_model_bits_method(runs):
    rows = rt.rows(runs)
    keys = [(r['model'], r['bits'], r['method']) for r in rows]
    assert keys == [('deit_tiny_patch16_224', 'W4/A4', 'psaq'), ('deit_tiny_patch16_224', 'W4/A4', 'sardfq (+apa +msr -sl)'),
                         ('deit_tiny_patch16_224', 'W8/A8', 'sardfq'), ('swin_tiny_patch4_window7_224', 'W6/A6', 'sardfq')]

def test_row_values(runs):
    r = rt.rows(runs)[2]
    assert r == dict(model='deit_tiny_patch16_224', method='sardfq', bits='W8/A8', seed=0, synth_iters=500, recon_iters=1000,
                     edges='wa', qat_epochs=0, fp_top1=11.11, top1=3.33, top5=4.44, minutes=3.0, device='cpu', code=None,
                     command='sardfq-run --model deit_tiny_patch16_224 --method sardfq --wbits 8 --abits 8')

def test_missing_optional_keys(tmp_path):
    "A run without settings, timings, fp or command still gives a row, with those cells empty."
    write(tmp_path, 'noise', {'model': 'm', 'method': 'noise', 'wbits': 4, 'abits': 8, 'quant': {'top1': 1.5}})
    [r] = rt.rows(tmp_path)
    assert (r['method'], r['bits'], r['top1'], r['synth_iters'], r['fp_top1'], r['minutes'], r['command']) == ('noise', 'W4/A8', 1.5, None, None, None, None)
    assert rt.markdown([r]).splitlines()[2] == '| m | noise | W4/A8 | - | - | - | - | - | - | 1.50 | - | - | - | - | - |'

def test_markdown_csv_json_outputs(runs):
    md = cli(runs)
    assert md.returncode == 0, md.stderr
    lines = md.stdout.splitlines()
    assert lines[0].startswith('| model | method | W/A |') and len(lines) == 2 + 4
    assert '| `sardfq-run --model swin_tiny_patch4_window7_224 --method sardfq --wbits 6 --abits 6` |' in lines[-1]
    table = list(csv.reader(io.StringIO(cli(runs, '--csv').stdout)))
    assert table[0] == list(rt.COLUMNS.values()) and len(table) == 5 and table[1][:4] == ['deit_tiny_patch16_224', 'psaq', 'W4/A4', '0']
    assert json.loads(cli(runs, '--json').stdout) == rt.rows(runs)

def test_corrupt_json_names_the_file(runs):
    write(runs, 'd/broken', '{"model": "deit_tiny')
    with pytest.raises(ValueError, match=r'd/broken/results.json is not a readable JSON file'): rt.rows(runs)
    r = cli(runs)
    assert r.returncode != 0 and 'Traceback' not in r.stderr
    assert r.stderr.strip().startswith('results_table: error: ') and 'd/broken/results.json' in r.stderr

def test_results_missing_required_key(tmp_path):
    write(tmp_path, 'x', {'model': 'm', 'method': 'psaq'})
    with pytest.raises(ValueError, match=r'x/results.json lacks wbits, abits'): rt.rows(tmp_path)

def test_empty_or_missing_folder(tmp_path):
    r = cli(tmp_path)
    assert r.returncode != 0 and r.stderr.strip() == f'results_table: error: no results.json under {tmp_path}: run sardfq-run first, or pass the folder it wrote to'
    r = cli(tmp_path/'nope')
    assert r.returncode != 0 and 'is not a folder' in r.stderr and 'Traceback' not in r.stderr
