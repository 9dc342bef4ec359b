"""Ablation of the quantization back end on the shared real DeiT-Tiny: calibration only, full reconstruction, and each
reconstruction component switched off in turn (plus the head fit and QAT switched on), for real and SARDFQ calibration
images, paired seeds (seed s draws the same 32 real calibration images, and scores on the other 468, for every variant).
Resumable: finished runs are kept in OUT/results.json (per-image correctness and KL to the FP model included); prints the
summary table as JSON lines. Example (the committed CPU grid):

    .venv/bin/python bench/quant_ablation.py --seeds 0,1,2 --sources real --variants calib,recon --out results/quant_ablation/cpu
"""
import copy, json, sys, time
from dataclasses import asdict
from pathlib import Path
import torch
import torch.nn.functional as F
from fastcore.script import call_parse, store_true
from sardfq.models import load_model, data_config, get_device
from sardfq.data import ImageFolder, eval_transform, split_dataset, load_images
from sardfq.synth import SynthConfig
from sardfq.qmodel import quantize_model, calibrate
from sardfq.pipeline import QuantConfig, refine, ablation_table
from sardfq.run import write_json, code_version, synth_calibration, file_digest, RUN_SYNTH

VARIANTS = dict(calib=dict(recon_iters=0), recon=dict(), no_adaround=dict(lr_round=0.), no_scales=dict(lr_scales=0.),
                no_qdrop=dict(drop=0.), no_views=dict(recon_views=1), no_holdout=dict(checks=0), tail=dict(tail=True), qat=dict(qat_epochs=4),
                long=dict(recon_iters=2000, recon_batch=32),
                # calibration only, one quantizer choice changed
                own_error=dict(recon_iters=0, search_rounds=0), uniform_gelu=dict(recon_iters=0, gelu='uniform'),
                per_tensor=dict(recon_iters=0, per_head=False), shift_log2=dict(recon_iters=0, softmax='shift_log2'),
                adalog=dict(recon_iters=0, softmax='adalog'))

def _precropped(cfg):
    "The eval transform without its resize and crop, for images that are already the 224 px center crops."
    from torchvision import transforms as T
    return T.Compose([T.ToTensor(), T.Normalize(cfg['mean'], cfg['std'])])

def _markdown(t)->str:
    "The ablation table as markdown: means over seeds, and paired differences to `recon` with their 95 % intervals."
    iv = lambda r, k: '' if k not in r or r[k] != r[k] else (f"{r[k]:+.2f} [{r[k + '_lo']:+.2f}, {r[k + '_hi']:+.2f}]" if k == 'd_top1' else f"{r[k]:+.3f} [{r[k + '_lo']:+.3f}, {r[k + '_hi']:+.3f}]")
    lines = ['| source | variant | seeds | top-1 | agree | KL | Δ top-1 vs recon [95 %] | Δ KL vs recon [95 %] |', '|---|---|---|---|---|---|---|---|']
    lines += [f"| {r['source']} | {r['variant']} | {r['seeds']} | {r['top1']:.2f} | {r['agree']:.2f} | {r['kl']:.3f} | {iv(r, 'd_top1')} | {iv(r, 'd_kl')} |"
              for r in t.to_dict('records')]
    return '\n'.join(lines)

@torch.no_grad()
def _logits(model, x, dev, bs=128): return torch.cat([model(c.to(dev)).float().cpu() for c in x.split(bs)])

@call_parse
def main(checkpoint:str='../shared/models/deit_tiny_patch16_224.safetensors', # the FP DeiT-Tiny weights
         data:str='../shared/data/imagenet-sample-dev', # the shared real images: 32 calibrate (per seed), the rest are scored
         precropped:store_true=False, # the images in --data are already the eval transform's 224 px crops
         seeds:str='0,1,2', # comma-separated seeds
         sources:str='real,sardfq', # calibration sources: real and/or sardfq (synthesized with --synth-iters)
         variants:str='calib,recon,no_adaround,no_scales,no_qdrop,no_views,no_holdout,tail,qat', # from VARIANTS
         bits:str='4,4', # wbits,abits
         edges:str=QuantConfig.edges, # first/last layer protocol: 8bit or wa
         synth_iters:int=200, # SARDFQ synthesis iterations
         recon_iters:int=QuantConfig.recon_iters, # reconstruction steps per block (variants that do not set their own)
         device:str=None, # cpu or cuda (default: cuda when available)
         cache_dir:str='runs/.cache', # folder of cached syntheses (shared with sardfq-run)
         out:str='results/quant_ablation/cpu', # folder of results.json
         report:store_true=False # run nothing: print OUT's runs as markdown tables, one per bit width and edge protocol
        ):
    "Run the grid (variants outer, then sources, then seeds), skipping finished runs, and print the summary as JSON (or markdown with --report)."
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    dev, out = get_device(device), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out/'results.json'
    store = json.loads(path.read_text()) if path.exists() else dict(runs={})
    wbits, abits = map(int, bits.split(','))
    if report:
        groups = dict.fromkeys((r['wbits'], r['abits'], r['edges']) for r in store['runs'].values())
        for w, a, e in sorted(groups, key=lambda g: (g[0] != 4, g)):
            print(f"\n**W{w}A{a}, edges {e}** ({out})\n\n" + _markdown(ablation_table([r for r in store['runs'].values() if (r['wbits'], r['abits'], r['edges']) == (w, a, e)])))
        return
    fp = load_model('deit_tiny_patch16_224', checkpoint=checkpoint).to(dev).eval()
    dcfg = data_config(fp)
    ds = ImageFolder(data, _precropped(dcfg) if precropped else eval_transform(dcfg))
    data, models = {}, {}
    def images(source, seed):
        "Calibration images, held-out images and labels and the FP logits on them, once per (source, seed)."
        if (source, seed) not in data:
            calib, held = split_dataset(ds, 32, seed)
            xh, yh = load_images(held, batch_size=500, workers=2)
            if source == 'real': xc = load_images(calib, batch_size=32, workers=0)[0]
            else:  # the same cache as sardfq-run's, so its runs and these share their syntheses
                synth = SynthConfig(**{**RUN_SYNTH, 'method': source, 'iters': synth_iters, 'seed': seed})
                xc = synth_calibration(fp, 'deit_tiny_patch16_224', file_digest(checkpoint), synth, cache_dir, dev, progress=False)[0]['images']
            data[source, seed] = (xc, xh, yh, _logits(fp, xh, dev))
        return data[source, seed]
    def calibrated(source, seed, cfg):
        "The model calibrated on the images of (source, seed) with the quantizers of `cfg`, and the seconds it took, once each."
        key = (source, seed, cfg.search_rounds, *cfg.quantizer_options().items())
        if key not in models:
            start = time.time()
            q = calibrate(quantize_model(fp, **cfg.quantizer_options()).to(dev), images(source, seed)[0].to(dev), rounds=cfg.search_rounds)
            models[key] = (q, round(time.time() - start, 1))
        return models[key]
    for variant in variants.split(','):
        for source in sources.split(','):
            for seed in map(int, seeds.split(',')):
                cfg = QuantConfig(wbits=wbits, abits=abits, edges=edges, seed=seed, **{'recon_iters': recon_iters, **VARIANTS[variant]}).check()
                key = f'{source}-{variant}-w{wbits}a{abits}-{edges}-r{cfg.recon_iters}-seed{seed}'
                if key in store['runs']: continue
                (xc, xh, yh, lf), (q0, calib_s) = images(source, seed), calibrated(source, seed, cfg)
                q, start = copy.deepcopy(q0), time.time()
                times = refine(fp, q, xc.to(dev), cfg, dev, progress=False)
                lq = _logits(q, xh, dev)
                kl = F.kl_div(F.log_softmax(lq, -1), F.log_softmax(lf, -1), log_target=True, reduction='none').sum(-1)
                correct = (lq.argmax(1) == yh)
                store['runs'][key] = dict(source=source, variant=variant, seed=seed, wbits=wbits, abits=abits, edges=edges, n=len(yh),
                                          top1=round(correct.float().mean().item() * 100, 2), agree=round((lq.argmax(1) == lf.argmax(1)).float().mean().item() * 100, 2),
                                          kl_mean=round(kl.mean().item(), 4), fp_top1=round((lf.argmax(1) == yh).float().mean().item() * 100, 2),
                                          seconds=dict(calibrate=calib_s, **times, total=round(time.time() - start + calib_s, 1)),
                                          config=asdict(cfg), synth_iters=synth_iters if source != 'real' else None, precropped=precropped,
                                          device=str(dev), torch=torch.__version__, sardfq=code_version(),
                                          correct=correct.int().tolist(), kl=[round(v, 4) for v in kl.tolist()])
                write_json(store, path)
                r = store['runs'][key]
                print(json.dumps({k: r[k] for k in ('source', 'variant', 'seed', 'top1', 'agree', 'kl_mean', 'seconds')}), flush=True)
    table = ablation_table([r for r in store['runs'].values() if (r['wbits'], r['abits'], r['edges']) == (wbits, abits, edges)])
    for row in table.to_dict('records'): print(json.dumps(row))
