"""Ablation of the quantization back end on the shared real DeiT-Tiny: calibration only, full reconstruction, and each
reconstruction component switched off in turn (plus the learned activation scales, QDrop, the head fit and QAT switched on, and
calibration-only quantizer choices), for real and SARDFQ calibration images, paired seeds (seed s draws the same 32 real calibration images, and
scores on the other 468, for every variant). It is `sardfq.run.compare` with the variants below as its settings:
resumable, per-image correctness and KL to the FP model in OUT/results.json. Prints the summary as JSON lines, or as
markdown tables with --report. Example (the committed CPU grid):

    .venv/bin/python bench/quant_ablation.py --seeds 0,1,2 --sources real --variants calib,recon --out results/quant_ablation/cpu
"""
import json
from fastcore.script import call_parse, store_true
from sardfq.models import shared_path, cli_errors
from sardfq.pipeline import QuantConfig, ablation_table
from sardfq.run import compare, table_markdown, table_jsonl, synth_pins, quant_pins

VARIANTS = dict(calib=dict(recon_iters=0), recon=dict(), no_holdout=dict(checks=0), no_views=dict(recon_views=1),
                no_adaround=dict(lr_round=0.),  # with the activation scales frozen (the default) nothing is left to fit: the same model as calib; see its `_scales_slow` rows
                scales_slow=dict(lr_scales=1e-4), scales_fast=dict(lr_scales=1e-3), scales_faster=dict(lr_scales=1e-2),  # activation scales learned too: at the default rate until this ablation, ten and a hundred times it
                qdrop=dict(drop=0.5), views_half=dict(view_area=0.5), views_flip=dict(view_area=1.),
                tail=dict(tail=True), qat=dict(qat_epochs=4),
                long=dict(recon_iters=2000, recon_batch=32),
                steps500=dict(recon_iters=500),  # five times the default steps: where fitting 32 images too closely could start
                steps1000=dict(recon_iters=1000),  # ten times the default steps: with more calibration images (--n), the longest a GPU lease affords for several seeds
                # calibration only, one quantizer choice changed
                own_error=dict(recon_iters=0, search_rounds=0), uniform_gelu=dict(recon_iters=0, gelu='uniform'),
                per_tensor=dict(recon_iters=0, per_head=False), shift_log2=dict(recon_iters=0, softmax='shift_log2'),
                adalog=dict(recon_iters=0, softmax='adalog'),
                # the export's integer-friendly setting: every activation uniform and per tensor (onnxruntime runs every product in int8)
                int8=dict(softmax='uniform', gelu='uniform', per_head=False))
# variants on top of QDrop (`qdrop_x`: the defaults until the ablation found no gain from it) and of no views (`no_views_x`)
VARIANTS |= {f'{base}_{k}': {**VARIANTS[base], **VARIANTS[k]} for base, ks in (('qdrop', ('no_adaround', 'no_holdout', 'no_views', 'views_half', 'views_flip', 'tail', 'qat', 'long', 'steps500', 'int8')),
                                                                          ('no_views', ('no_adaround',))) for k in ks}
# each reconstruction variant as it ran while the activation scales learned at 1e-4 by default (`x_scales_slow`; `scales_slow` is those defaults)
EARLIER = 'scales_slow'
VARIANTS |= {f'{k}_{EARLIER}': {**v, **VARIANTS[EARLIER]} for k, v in list(VARIANTS.items()) if v.get('recon_iters', 1) and 'lr_scales' not in v and k != 'recon'}

def _earlier(variant:str)->bool: return variant == EARLIER or variant.endswith(f'_{EARLIER}')  # made at the earlier defaults
def _order(variant:str)->int: return list(VARIANTS).index(variant) if variant in VARIANTS else len(VARIANTS)  # the report's row order

@call_parse
def main(checkpoint:str=str(shared_path('models/deit_tiny_patch16_224.safetensors')), # the FP DeiT-Tiny weights
         data:str=str(shared_path('data/imagenet-sample-dev')), # the shared real images: 32 calibrate (per seed), the rest are scored
         precropped:store_true=False, # the images in --data are already the eval transform's 224 px crops
         seeds:str='0,1,2', # comma-separated seeds
         n:int=32, # calibration images per seed (the rest are scored; keep one --out per value)
         sources:str='real,sardfq', # calibration sources: real, sardfq, psaq or noise (the synthesis methods with --synth-iters)
         variants:str='calib,recon,no_views,no_holdout,scales_fast,qdrop,tail,qat', # from VARIANTS
         bits:str='4,4', # wbits,abits
         edges:str=QuantConfig.edges, # first/last layer protocol: 8bit or wa
         synth_iters:int=200, # synthesis iterations of the psaq/sardfq sources (the committed grid's length; `sardfq-run` now makes 500)
         synth:str='prior_sharpen=1', # `SynthConfig` settings of the psaq/sardfq sources, comma-separated name=value as `sardfq-compare --synth` (the committed grid's: the priors of its time)
         recon_iters:int=QuantConfig.recon_iters, # reconstruction steps per block (variants that do not set their own)
         quant:str='', # `QuantConfig` settings every run takes, comma-separated name=value as `sardfq-compare --quant` (a variant's own win)
         device:str=None, # cpu or cuda (default: cuda when available)
         cache_dir:str='runs/.cache', # folder of cached syntheses (shared with sardfq-run)
         out:str='results/quant_ablation/cpu', # folder of results.json
         report:store_true=False # run nothing: print OUT's runs as markdown tables, one per bit width and edge protocol
        ):
    "Run the grid, skipping finished runs, and print the summary as JSON lines (or markdown tables with --report)."
    w, a = map(int, bits.split(','))
    if report:
        runs = sorted(json.loads(open(f'{out}/results.json').read())['runs'].values(), key=lambda r: (r['source'] != 'real', r['source'], _order(r['variant'])))
        for g in sorted(dict.fromkeys((r['wbits'], r['abits'], r['edges']) for r in runs), key=lambda g: (g[0] != 4, g)):
            rows = [r for r in runs if (r['wbits'], r['abits'], r['edges']) == g]
            today = {r['source'] for r in rows if r['variant'] == 'recon'}  # sources whose runs share images with a run at today's defaults
            for base, what, keep in (('recon', 'against the defaults', lambda r: r['source'] in today and not _earlier(r['variant'])),
                                     (EARLIER, 'at the earlier defaults (activation scales learned at 1e-4), against them', lambda r: r['source'] not in today or _earlier(r['variant']) or r['variant'] == 'calib')):
                part = list(filter(keep, rows))
                if any(r['variant'] == base for r in part): print(f"\n**W{g[0]}A{g[1]}, edges {g[2]}, {what}** ({out})\n\n" + table_markdown(ablation_table(part, baseline=base), base))
        return
    with cli_errors('quant_ablation.py'):
        if bad := [v for v in variants.split(',') if v not in VARIANTS]: raise ValueError(f"unknown variant {', '.join(bad)}: use {', '.join(VARIANTS)}")
        pins = quant_pins(quant)
    settings = {v: {'recon_iters': recon_iters, **pins, **VARIANTS[v]} for v in variants.split(',')}
    runs = compare('deit_tiny_patch16_224', checkpoint, data, tuple(sources.split(',')), ((w, a),), tuple(map(int, seeds.split(','))), settings,
                   n, dict(iters=synth_iters, **synth_pins(synth)), edges, device, cache_dir, out, precropped)
    print(table_jsonl(ablation_table([r for r in runs.values() if (r['wbits'], r['abits'], r['edges']) == (w, a, edges)])))
