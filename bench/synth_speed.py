"""Synthesis speed: seconds per iteration and images per second of each method, and the cost per image forwarded
(whole images plus the MSR views of the step) relative to a plain forward+backward of the same number of images
(`sardfq` with the default `msr_views`, `sardfq_all_views` forwarding every MSR patch at every step, `psaq`).

    .venv/bin/python bench/synth_speed.py [--model deit_tiny_patch16_224] [--batch-size 32] [--steps 5] [--device cpu]

Prints one JSON object. Each method's plain pass, of as many images as the method forwards per step, is timed between
consecutive synthesis steps, from the synthesis callback, so each step has a plain pass timed under the same conditions
next to it: on a shared machine, load from other processes falls on both sides of each ratio. Ratios are medians of
these per-step ratios."""
import json, statistics, time
from dataclasses import replace
from pathlib import Path
import torch
import torch.nn.functional as F
from fastcore.script import call_parse
from sardfq.models import load_model, data_config, get_device
from sardfq.synth import SynthConfig, synthesize, init_batch, _batch_generator, K_MSR

CKPT = Path(__file__).resolve().parents[2]/'shared/models/deit_tiny_patch16_224.safetensors'

def _sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

def plain_pass(model, batch, dev):
    "A function timing one forward + backward (to the pixels) of `batch` images with a cross-entropy loss."
    _, H, W = data_config(model)['input_size']
    x = torch.randn(batch, 3, H, W, device=dev, requires_grad=True)
    y = torch.randint(model.num_classes, (batch,), device=dev)
    def run():
        _sync(dev); t0 = time.perf_counter()
        F.cross_entropy(model(x), y).backward(inputs=[x])
        _sync(dev); return time.perf_counter() - t0
    return run

def forwarded(model, cfg)->int:
    "Images one step of the first batch forwards: the whole images, plus its MSR views for sardfq."
    st = init_batch(model, cfg, cfg.batch_size, _batch_generator(cfg.seed, 0))
    if cfg.method != 'sardfq' or not cfg.msr: return cfg.batch_size
    return cfg.batch_size + min(len(st['msr_image']), max(1, round(cfg.msr_views * cfg.batch_size)))

def paired_seconds(model, cfg, dev, steps, warm, plain):
    "Per-step seconds of a synthesis batch and of the plain pass timed right after each step (after `warm` steps)."
    marks = []
    def cb(b, s, v):
        _sync(dev); end = time.perf_counter()
        marks.append((end, plain(), time.perf_counter()))
    synthesize(model, replace(cfg, iters=warm + steps + 1), device=dev, progress=False, callback=cb)
    pairs = [(marks[i][0] - marks[i - 1][2], marks[i][1]) for i in range(warm + 1, len(marks))]
    return [s for s, _ in pairs], [p for _, p in pairs]

@call_parse
def main(model:str='deit_tiny_patch16_224', # timm model name
         checkpoint:str=str(CKPT) if CKPT.exists() else None, # FP weights (default: the shared DeiT-Tiny; random init when absent)
         batch_size:int=32, # images per synthesis batch
         steps:int=5, # timed steps per method
         warm:int=1, # untimed steps first
         iters:int=1000, # iterations per batch assumed for images/s
         msr_views:float=SynthConfig.msr_views, # MSR views per step of `sardfq`, as a fraction of the batch
         threads:int=None, # torch threads (default: torch's)
         device:str='cpu' # cpu or cuda
        ):
    "Print each method's seconds per iteration, images per second, and step cost per image forwarded relative to a plain pass."
    if threads: torch.set_num_threads(threads)
    dev = get_device(device)
    net = load_model(model, checkpoint=checkpoint).to(dev)
    cfg = SynthConfig(n=batch_size, batch_size=batch_size, msr_views=msr_views)
    res = dict(model=model, device=str(dev), threads=torch.get_num_threads(), batch_size=batch_size, steps=steps,
               iters_for_images_per_s=iters, msr_views=msr_views, methods={})
    for name, c in (('sardfq', cfg), ('sardfq_all_views', replace(cfg, msr_views=K_MSR)), ('psaq', replace(cfg, method='psaq'))):
        k = forwarded(net, c)
        secs, ps = paired_seconds(net, c, dev, steps, warm, plain_pass(net, k, dev))
        s = statistics.median(secs)
        res['methods'][name] = dict(s_per_iter=round(s, 4), images_per_s=round(batch_size / (s * iters), 4), forwarded_per_step=k,
                                    plain_fwd_bwd_s=round(statistics.median(ps), 4),
                                    step_over_plain_same_images=round(statistics.median(x / y for x, y in zip(secs, ps)), 3))
    _sync(dev); t0 = time.perf_counter()
    synthesize(net, replace(cfg, method='noise'), device=dev, progress=False); _sync(dev)
    res['methods']['noise'] = dict(s_per_iter=0.0, images_per_s=round(batch_size / (time.perf_counter() - t0), 2))
    print(json.dumps(res))
