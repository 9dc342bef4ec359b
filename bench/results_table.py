"""One table of every run under a folder: reads each `results.json` that `sardfq-run` wrote and prints markdown, JSON or CSV.

    .venv/bin/python bench/results_table.py runs/            # markdown table
    .venv/bin/python bench/results_table.py runs/ --csv      # or --json"""
import csv, io, math
from json import dumps, loads, JSONDecodeError
from pathlib import Path
from fastcore.script import call_parse

REQUIRED = ('model', 'method', 'wbits', 'abits')
SWITCHES = ('apa', 'msr', 'sl')
COLUMNS = {'model': 'model', 'method': 'method', 'bits': 'W/A', 'seed': 'seed', 'synth_iters': 'synth iters',
           'recon_iters': 'recon iters', 'edges': 'edges', 'qat_epochs': 'QAT epochs', 'fp_top1': 'FP top-1', 'top1': 'quant top-1',
           'top5': 'quant top-5', 'minutes': 'total min', 'device': 'device', 'code': 'code', 'command': 'command'}

def find_results(runs_dir:Path)->list:
    "Every `results.json` under `runs_dir`, sorted by path."
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir(): raise ValueError(f'{runs_dir} is not a folder: pass the folder that holds the runs (sardfq-run --out)')
    found = sorted(runs_dir.rglob('results.json'))
    if not found: raise ValueError(f'no results.json under {runs_dir}: run sardfq-run first, or pass the folder it wrote to')
    return found

def read_result(path:Path)->dict:
    "One run's results, checked for the keys every row needs."
    try: r = loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, JSONDecodeError) as e: raise ValueError(f'{path} is not a readable JSON file ({e}): delete or re-run that run') from e
    if not isinstance(r, dict): raise ValueError(f'{path} holds a {type(r).__name__}, not a results object: delete or re-run that run')
    missing = [k for k in REQUIRED if k not in r]
    if missing: raise ValueError(f'{path} lacks {", ".join(missing)}: it was not written by sardfq-run; delete or re-run that run')
    return r

def _get(r:dict, *keys):
    "`r[k0][k1]...`, or None where any level is missing."
    for k in keys:
        if not isinstance(r, dict) or k not in r: return None
        r = r[k]
    return r

def method_label(r:dict)->str:
    "The method, with SARDFQ's ablation switches (`+apa -msr ...`) when not all of them are on."
    synth = _get(r, 'settings', 'synth') or {}
    given = [k for k in SWITCHES if k in synth]
    if r['method'] != 'sardfq' or all(synth[k] for k in given): return r['method']
    return f"{r['method']} ({' '.join(('+' if synth[k] else '-') + k for k in given)})"

def _minutes(secs)->float|None:
    "Seconds as minutes with one decimal (None when unknown)."
    return round(secs/60, 1) if isinstance(secs, (int, float)) and math.isfinite(secs) else None

def row(r:dict)->dict:
    "One table row from one run's results (None for what the run did not record)."
    return dict(model=r['model'], method=method_label(r), bits=f"W{r['wbits']}/A{r['abits']}", seed=r.get('seed'),
                synth_iters=_get(r, 'settings', 'synth', 'iters'), recon_iters=_get(r, 'settings', 'quant', 'recon_iters'),
                edges=_get(r, 'settings', 'quant', 'edges'), qat_epochs=_get(r, 'settings', 'quant', 'qat_epochs'), fp_top1=_get(r, 'fp', 'top1'),
                top1=_get(r, 'quant', 'top1'), top5=_get(r, 'quant', 'top5'),
                minutes=_minutes(_get(r, 'timings', 'total')), device=r.get('device'), code=r.get('sardfq'), command=r.get('command'))

def _order(r:dict)->tuple:
    "Sort key: model, weight bits, activation bits, method, seed."
    return (r['model'], r['wbits'], r['abits'], method_label(r), r.get('seed') if isinstance(r.get('seed'), int) else -1)

def rows(runs_dir:Path)->list:
    "The rows of every run under `runs_dir`, sorted by model, bits, method and seed."
    return [row(r) for r in sorted(map(read_result, find_results(runs_dir)), key=_order)]

def _cell(v, md:bool=False)->str:
    "A value as table text: floats with two decimals, missing as '-' (markdown) or empty."
    if v is None: return '-' if md else ''
    if isinstance(v, float): return f'{v:.2f}'
    return str(v)

def markdown(rows:list)->str:
    "The rows as a markdown table."
    def line(cells): return '| ' + ' | '.join(c.replace('|', r'\|') for c in cells) + ' |'
    def cell(k, v): return f'`{v}`' if k == 'command' and v else _cell(v, md=True)
    body = [line(cell(k, r[k]) for k in COLUMNS) for r in rows]
    return '\n'.join([line(COLUMNS.values()), line('---' for _ in COLUMNS), *body])

def to_csv(rows:list)->str:
    "The rows as CSV with a header line."
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator='\n')
    w.writerow(COLUMNS.values())
    w.writerows([_cell(r[k]) for k in COLUMNS] for r in rows)
    return buf.getvalue()

@call_parse
def main(runs_dir:str, # folder searched recursively for results.json files (sardfq-run's output)
         json:bool=False, # print a JSON list of rows instead of markdown
         csv:bool=False, # print CSV instead of markdown
        ):
    "Print one row per run under `runs_dir` (model, method, bits, settings, accuracy, time, command)."
    if json and csv: raise SystemExit('results_table: error: choose one of --json and --csv')
    try: rs = rows(Path(runs_dir))
    except ValueError as e: raise SystemExit(f'results_table: error: {e}')
    print(dumps(rs, indent=1) if json else to_csv(rs).rstrip('\n') if csv else markdown(rs))
