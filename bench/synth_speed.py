"""Synthesis speed: seconds per iteration and images per second of each method, and the cost per image forwarded
(whole images plus the MSR views of the step) relative to a plain forward+backward of the same number of images
(`sardfq` with the default `msr_views`, `sardfq_all_views` forwarding every MSR patch at every step, `psaq`), and the
speed-up of `sardfq`'s step over the same step reading whole attention maps (`sardfq_full_maps`: `capture_attention`,
unfused attention in the aligned blocks, as before `capture_class_attention`).

    .venv/bin/python bench/synth_speed.py [--model deit_tiny_patch16_224] [--batch-size 32] [--steps 5] [--device cpu] [--compile] [--only sardfq,sardfq_compiled]

Prints one JSON object. Each method's plain pass, of as many images as the method forwards per step, is timed between
consecutive synthesis steps, from the synthesis callback, so each step has a plain pass timed under the same conditions
next to it: on a shared machine, load from other processes falls on both sides of each ratio. Ratios are medians of
these per-step ratios; the speed-up is the ratio of two such medians, so load cancels out of it too. The levers
(bf16 autocast; on the CPU `sardfq.models.bf16_matmul` with attention unfused, as `SynthConfig.bf16_matmul` runs it; `torch.compile` with
--compile) are timed on the plain pass of `sardfq`'s images against fp32
eager, alternating step by step. `sardfq_bf16` and `psaq_bf16` are the whole synthesis step with `SynthConfig.bf16`,
their ratio taken to the same fp32 plain pass, so `bf16_step_speedup` (the fp32 step's ratio over the bf16 step's) is
how many times faster a step is under bf16 autocast, load cancelled as above; on the CPU `sardfq_bf16_matmul` is the step
with `SynthConfig.bf16_matmul` and `bf16_matmul_step_speedup` its speed-up, and `bf16_matmul_agreement` how far it
moves one plain pass's logits and pixel gradient from fp32's. With --compile, `sardfq_compiled` is the
default step with the model under `torch.compile`, its parameters frozen (compiled in the untimed first step; with
parameters that require gradients the compiled backward also computes theirs), and `compile_step_speedup` its speed-up
over the eager step measured the same way. The `_wall` speed-ups are plain ratios of median seconds per step. Read
those on a quiet machine: the paired ones assume a method leaves the plain pass next to it as fast as before, and a
compiled step does not (on the 2-core CPU the eager pass timed after each compiled step ran about 1.3 times slower)."""
import copy, json, os, platform, statistics, time
from contextlib import contextmanager, nullcontext
from unittest.mock import patch
from dataclasses import replace
import torch
import torch.nn.functional as F
from fastcore.script import call_parse, store_true
from sardfq.models import load_model, data_config, get_device, capture_attention, shared_path, bf16_matmul
from sardfq.synth import SynthConfig, synthesize, init_batch, _batch_generator, K_MSR

def cpu_info()->dict:
    "The CPU's model name, clock, cache and bf16 instruction sets (one name can hide machines of different speeds)."
    text = open('/proc/cpuinfo').read() if os.path.exists('/proc/cpuinfo') else ''
    field = lambda key, default=None: next((l.split(':', 1)[1].strip() for l in text.splitlines() if l.startswith(key)), default)
    flags = set((field('flags') or '').split())
    return dict(name=field('model name', platform.processor()), mhz=field('cpu MHz'), cache=field('cache size'), bf16=sorted(flags & {'avx512_bf16', 'amx_bf16'}))

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

def lever_ratios(model, batch, dev, steps, compile=False)->dict:
    "Seconds of a plain pass under bf16 autocast (and `torch.compile`) over fp32 eager, alternated step by step (medians)."
    x = torch.randn(batch, 3, *data_config(model)['input_size'][1:], device=dev, requires_grad=True)
    y = torch.randint(model.num_classes, (batch,), device=dev)
    def timed(net, bf16=False, matmul=False):
        _sync(dev); t0 = time.perf_counter()
        with bf16_matmul(dev.type, matmul, net):
            with torch.autocast(dev.type, torch.bfloat16, enabled=bf16): loss = F.cross_entropy(net(x).float(), y)
            loss.backward(inputs=[x])
        _sync(dev); return time.perf_counter() - t0
    variants = dict(bf16_autocast=lambda: timed(model, bf16=True))
    if dev.type == 'cpu': variants['bf16_matmul'] = lambda: timed(model, matmul=True)
    if compile:
        net = compiled(model)
        timed(net)  # compiles, untimed
        variants['compiled'] = lambda: timed(net)
    ratios = {k: [] for k in variants}
    for _ in range(steps + 1):
        base = timed(model)
        for k, f in variants.items(): ratios[k].append(f() / base)
    return {f'{k}_over_fp32': round(statistics.median(v[1:]), 3) for k, v in ratios.items()}

def bf16_matmul_agreement(model, batch, dev)->dict:
    "How far the plain pass's logits and pixel gradient move under `bf16_matmul` (what oneDNN does with it depends on the CPU)."
    x = torch.randn(batch, 3, *data_config(model)['input_size'][1:], device=dev)
    y = torch.randint(model.num_classes, (batch,), device=dev)
    def run(on):
        xg = x.clone().requires_grad_()
        with bf16_matmul(dev.type, on, model):
            logits = model(xg)
            F.cross_entropy(logits, y).backward(inputs=[xg])
        return logits.detach().double(), xg.grad.flatten().double()
    (l32, g32), (lbm, gbm) = run(False), run(True)
    return dict(logits_max_abs_diff=float((lbm - l32).abs().max()), grad_cosine_minus_1=float(F.cosine_similarity(gbm, g32, 0) - 1))

def compiled(model):
    "A copy of `model` with frozen parameters under `torch.compile` (it compiles in the first, untimed, step)."
    net = copy.deepcopy(model).requires_grad_(False)  # else the compiled backward computes the weights' gradients too
    net.compile()
    return net

@contextmanager
def full_maps(model, blocks, n_images=None):
    "The previous capture: whole post-softmax maps, unfused attention in the aligned blocks (`attention_rows` reads either)."
    with capture_attention(model, blocks) as maps: yield maps

@call_parse
def main(model:str='deit_tiny_patch16_224', # timm model name
         checkpoint:str=str(shared_path('models/deit_tiny_patch16_224.safetensors')), # FP weights (default: the shared DeiT-Tiny)
         batch_size:int=32, # images per synthesis batch
         steps:int=5, # timed steps per method
         warm:int=2, # untimed steps first
         iters:int=1000, # iterations per batch assumed for images/s
         msr_views:float=SynthConfig.msr_views, # MSR views per step of `sardfq`, as a fraction of the batch
         threads:int=None, # torch threads (default: torch's)
         compile:store_true=False, # also time the plain pass and the default step under torch.compile (compiling takes about a minute on 2 cores)
         device:str='cpu', # cpu or cuda
         only:str=None # comma-separated subset of the timed methods, e.g. 'sardfq,sardfq_compiled' (default: all)
        ):
    "Print each method's seconds per iteration, images per second, and step cost per image forwarded relative to a plain pass."
    if threads: torch.set_num_threads(threads)
    dev = get_device(device)
    net = load_model(model, checkpoint=checkpoint).to(dev)
    cfg = SynthConfig(n=batch_size, batch_size=batch_size, msr_views=msr_views, bf16_matmul=False)  # the fp32 path; `sardfq_bf16_matmul` is the lever
    res = dict(model=model, device=str(dev), cpu=cpu_info(), threads=torch.get_num_threads(), batch_size=batch_size, steps=steps,
               iters_for_images_per_s=iters, msr_views=msr_views, compile=compile, only=only, methods={})
    runs = (('sardfq', cfg, False), ('sardfq_full_maps', cfg, True), ('sardfq_all_views', replace(cfg, msr_views=K_MSR), False), ('psaq', replace(cfg, method='psaq'), False),
            ('sardfq_bf16', replace(cfg, bf16=True), False), ('psaq_bf16', replace(cfg, method='psaq', bf16=True), False))
    if dev.type == 'cpu': runs += (('sardfq_bf16_matmul', replace(cfg, bf16_matmul=True), False),)
    if compile: runs += (('sardfq_compiled', cfg, False),)
    if only:
        if bad := set(only.split(',')) - {r[0] for r in runs}: raise SystemExit(f"synth_speed: unknown method(s) {', '.join(sorted(bad))} in --only: use {', '.join(r[0] for r in runs)}")
        runs = tuple(r for r in runs if r[0] in only.split(','))
    for name, c, full in runs:
        k = forwarded(net, c)
        stepped = compiled(net) if name.endswith('_compiled') else net  # the model whose synthesis step is timed
        with patch('sardfq.synth.capture_class_attention', full_maps) if full else nullcontext():
            secs, ps = paired_seconds(stepped, c, dev, steps, warm, plain_pass(net, k, dev))
        s = statistics.median(secs)
        res['methods'][name] = dict(s_per_iter=round(s, 4), images_per_s=round(batch_size / (s * iters), 4), forwarded_per_step=k,
                                    plain_fwd_bwd_s=round(statistics.median(ps), 4),
                                    step_over_plain_same_images=round(statistics.median(x / y for x, y in zip(secs, ps)), 3))
    m = res['methods']
    speedup = lambda slow, fast, key='step_over_plain_same_images': round(m[slow][key] / m[fast][key], 3) if slow in m and fast in m else None
    res['sardfq_speedup_over_full_maps'] = speedup('sardfq_full_maps', 'sardfq')
    res['bf16_step_speedup'] = {k: speedup(k, f'{k}_bf16') for k in ('sardfq', 'psaq')}
    res['bf16_step_speedup_wall'] = {k: speedup(k, f'{k}_bf16', 's_per_iter') for k in ('sardfq', 'psaq')}
    res['bf16_matmul_step_speedup'], res['bf16_matmul_step_speedup_wall'] = speedup('sardfq', 'sardfq_bf16_matmul'), speedup('sardfq', 'sardfq_bf16_matmul', 's_per_iter')
    if compile: res['compile_step_speedup'], res['compile_step_speedup_wall'] = speedup('sardfq', 'sardfq_compiled'), speedup('sardfq', 'sardfq_compiled', 's_per_iter')
    res['plain_pass_levers'] = lever_ratios(net, forwarded(net, cfg), dev, steps, compile)
    if dev.type == 'cpu': res['bf16_matmul_agreement'] = bf16_matmul_agreement(net, batch_size, dev)
    _sync(dev); t0 = time.perf_counter()
    synthesize(net, replace(cfg, method='noise'), device=dev, progress=False); _sync(dev)
    res['methods']['noise'] = dict(s_per_iter=0.0, images_per_s=round(batch_size / (time.perf_counter() - t0), 2))
    print(json.dumps(res))
