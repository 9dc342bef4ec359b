"""Synthesis speed: seconds per iteration and images per second of each method, and the cost of a SARDFQ step
(whole images + MSR views, APA, SL, TV) relative to a plain forward+backward of the same whole-image batch.

    python bench/synth_speed.py [--model deit_tiny_patch16_224] [--batch-size 32] [--steps 5] [--device cpu]

Prints one JSON object. All timings come from the same run, so the ratio compares like with like."""
import argparse, json, os, statistics, time
from dataclasses import replace
from pathlib import Path
import torch
import torch.nn.functional as F
from sardfq.models import load_model, data_config, get_device
from sardfq.synth import SynthConfig, synthesize, METHODS

CKPT = Path(__file__).resolve().parents[2]/'shared/models/deit_tiny_patch16_224.safetensors'

def _sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

def step_seconds(model, cfg, dev, steps, warm):
    "Median seconds between consecutive optimization steps of one synthesis batch (after `warm` steps)."
    stamps = []
    def cb(b, s, v): _sync(dev); stamps.append(time.perf_counter())
    synthesize(model, replace(cfg, iters=warm + steps + 1), device=dev, progress=False, callback=cb)
    return statistics.median(b - a for a, b in zip(stamps[warm:], stamps[warm + 1:]))

def plain_seconds(model, batch, dev, steps, warm):
    "Median seconds of a forward + backward (to the pixels) of a whole-image batch with a cross-entropy loss."
    _, H, W = data_config(model)['input_size']
    x = torch.randn(batch, 3, H, W, device=dev, requires_grad=True)
    y = torch.randint(model.num_classes, (batch,), device=dev)
    times = []
    for i in range(warm + steps):
        _sync(dev); t0 = time.perf_counter()
        F.cross_entropy(model(x), y).backward(inputs=[x])
        _sync(dev); times.append(time.perf_counter() - t0)
    return statistics.median(times[warm:])

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', default='deit_tiny_patch16_224')
    p.add_argument('--checkpoint', default=str(CKPT) if CKPT.exists() else None, help='FP weights (default: the shared DeiT-Tiny; random init when absent)')
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--steps', type=int, default=5, help='timed steps per method')
    p.add_argument('--warm', type=int, default=1, help='untimed steps first')
    p.add_argument('--iters', type=int, default=1000, help='iterations per batch assumed for images/s')
    p.add_argument('--msr-views', type=float, default=SynthConfig.msr_views)
    p.add_argument('--device', default='cpu')
    a = p.parse_args()
    dev = get_device(a.device)
    model = load_model(a.model, checkpoint=a.checkpoint).to(dev)
    cfg = SynthConfig(n=a.batch_size, batch_size=a.batch_size, msr_views=a.msr_views)
    res = dict(model=a.model, device=str(dev), threads=torch.get_num_threads(), batch_size=a.batch_size, steps=a.steps,
               iters_for_images_per_s=a.iters, msr_views=a.msr_views, methods={})
    plain = plain_seconds(model, a.batch_size, dev, a.steps, a.warm)
    for m in METHODS:
        if m == 'noise':
            _sync(dev); t0 = time.perf_counter()
            synthesize(model, replace(cfg, method=m), device=dev, progress=False); _sync(dev)
            secs = time.perf_counter() - t0
            res['methods'][m] = dict(s_per_iter=0.0, images_per_s=round(a.batch_size / secs, 2))
            continue
        s = step_seconds(model, replace(cfg, method=m), dev, a.steps, a.warm)
        res['methods'][m] = dict(s_per_iter=round(s, 4), images_per_s=round(a.batch_size / (s * a.iters), 4))
    res['plain_fwd_bwd_s'] = round(plain, 4)
    res['sardfq_step_over_plain'] = round(res['methods']['sardfq']['s_per_iter'] / plain, 3)
    res['psaq_step_over_plain'] = round(res['methods']['psaq']['s_per_iter'] / plain, 3)
    print(json.dumps(res))

if __name__ == '__main__': main()
