"""Synthesis speed: seconds per iteration and images per second of each method, and the cost of a SARDFQ step
(whole images + MSR views, APA, SL, TV) relative to a plain forward+backward of the same whole-image batch
(`sardfq` with the default `msr_views`, and `sardfq_all_views` forwarding every MSR patch at every step).

    python bench/synth_speed.py [--model deit_tiny_patch16_224] [--batch-size 32] [--steps 5] [--device cpu]

Prints one JSON object. The plain pass is timed between consecutive synthesis steps, from the synthesis callback,
so each step has a plain pass timed under the same conditions next to it: on a shared machine, load from other
processes falls on both sides of each ratio. Ratios are medians of these per-step ratios."""
import argparse, json, statistics, time
from dataclasses import replace
from pathlib import Path
import torch
import torch.nn.functional as F
from sardfq.models import load_model, data_config, get_device
from sardfq.synth import SynthConfig, synthesize, K_MSR

CKPT = Path(__file__).resolve().parents[2]/'shared/models/deit_tiny_patch16_224.safetensors'

def _sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

def plain_pass(model, batch, dev):
    "A function timing one forward + backward (to the pixels) of a whole-image batch with a cross-entropy loss."
    _, H, W = data_config(model)['input_size']
    x = torch.randn(batch, 3, H, W, device=dev, requires_grad=True)
    y = torch.randint(model.num_classes, (batch,), device=dev)
    def run():
        _sync(dev); t0 = time.perf_counter()
        F.cross_entropy(model(x), y).backward(inputs=[x])
        _sync(dev); return time.perf_counter() - t0
    return run

def paired_seconds(model, cfg, dev, steps, warm, plain):
    "Per-step seconds of a synthesis batch and of the plain pass timed right after each step (after `warm` steps)."
    marks = []
    def cb(b, s, v):
        _sync(dev); end = time.perf_counter()
        marks.append((end, plain(), time.perf_counter()))
    synthesize(model, replace(cfg, iters=warm + steps + 1), device=dev, progress=False, callback=cb)
    pairs = [(marks[i][0] - marks[i - 1][2], marks[i][1]) for i in range(warm + 1, len(marks))]
    return [s for s, _ in pairs], [p for _, p in pairs]

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
    plain = plain_pass(model, a.batch_size, dev)
    res = dict(model=a.model, device=str(dev), threads=torch.get_num_threads(), batch_size=a.batch_size, steps=a.steps,
               iters_for_images_per_s=a.iters, msr_views=a.msr_views, methods={}, plain_fwd_bwd_s=None)
    plains = []
    for name, c in (('sardfq', cfg), ('sardfq_all_views', replace(cfg, msr_views=K_MSR)), ('psaq', replace(cfg, method='psaq'))):
        secs, ps = paired_seconds(model, c, dev, a.steps, a.warm, plain)
        s = statistics.median(secs)
        plains += ps
        res['methods'][name] = dict(s_per_iter=round(s, 4), images_per_s=round(a.batch_size / (s * a.iters), 4),
                                    step_over_plain=round(statistics.median(x / y for x, y in zip(secs, ps)), 3))
    _sync(dev); t0 = time.perf_counter()
    synthesize(model, replace(cfg, method='noise'), device=dev, progress=False); _sync(dev)
    res['methods']['noise'] = dict(s_per_iter=0.0, images_per_s=round(a.batch_size / (time.perf_counter() - t0), 2))
    res['plain_fwd_bwd_s'] = round(statistics.median(plains), 4)
    res['sardfq_step_over_plain'] = res['methods']['sardfq']['step_over_plain']
    print(json.dumps(res))

if __name__ == '__main__': main()
