"""Time and peak memory of the quantization stages on a real model: quantize + calibrate, block reconstruction, QAT, evaluation.

Prints one JSON object. Example (the shared DeiT-Tiny, 32 real calibration images, 100 held-out evaluation images):
    .venv/bin/python bench/quant_speed.py --recon-iters 20 --n-eval 100
"""
import argparse, json, os, sys, threading, time
from contextlib import contextmanager
from pathlib import Path
import torch
from sardfq.models import load_model, data_config, get_device
from sardfq.data import ImageFolder, eval_transform, split_dataset, load_images, evaluate
from sardfq.qmodel import quantize_model, calibrate
from sardfq.recon import reconstruct, recon_units
from sardfq.qat import qat

SHARED = Path(__file__).resolve().parents[1].parent/'shared'

def rss_mb():
    "Resident set size of this process in MB."
    return int(Path('/proc/self/statm').read_text().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20

@contextmanager
def stage(name, res, dev):
    "Record wall seconds and peak memory (CUDA allocated, else sampled RSS) of the block under `name`."
    peak, done = [rss_mb()], threading.Event()
    def sample():
        while not done.wait(0.05): peak[0] = max(peak[0], rss_mb())
    t = threading.Thread(target=sample, daemon=True); t.start()
    if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev)
    start = time.time()
    try: yield
    finally:
        done.set(); t.join()
        mem = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == 'cuda' else max(peak[0], rss_mb())
        res[name] = dict(seconds=round(time.time() - start, 2), peak_mb=round(mem, 1))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', default='deit_tiny_patch16_224')
    p.add_argument('--checkpoint', default=str(SHARED/'models/deit_tiny_patch16_224.safetensors'))
    p.add_argument('--data', default=str(SHARED/'data/imagenet-sample-dev'))
    p.add_argument('--bits', type=int, default=4, help='weight and activation bit width')
    p.add_argument('--n-calib', type=int, default=32)
    p.add_argument('--recon-iters', type=int, default=20)
    p.add_argument('--qat-epochs', type=int, default=1)
    p.add_argument('--n-eval', type=int, default=100, help='held-out images to evaluate')
    p.add_argument('--device', default=None)
    a = p.parse_args()
    dev, res = get_device(a.device), {}
    torch.manual_seed(0)
    fp = load_model(a.model, checkpoint=a.checkpoint).to(dev)
    calib_set, eval_set = split_dataset(ImageFolder(a.data, eval_transform(data_config(fp))), a.n_calib, seed=0)
    calib = load_images(calib_set, batch_size=a.n_calib, workers=0)[0]
    loader = [b for b in zip(*[t.split(64) for t in load_images(eval_set, n=a.n_eval)])]
    with stage('quantize_calibrate', res, dev): q = calibrate(quantize_model(fp, wbits=a.bits, abits=a.bits).to(dev), calib.to(dev))
    def timed_eval(name, model):
        with stage(name, res, dev): top1 = evaluate(model, loader, device=dev, progress=False)['top1']
        res[name]['top1'] = round(top1, 2)
    timed_eval('eval_calibrated', q)
    with stage('recon', res, dev): reconstruct(fp, q, calib, iters=a.recon_iters, batch_size=8, device=dev, progress=False)
    timed_eval('eval_recon', q)
    with stage('qat', res, dev): qat(fp, q, calib, epochs=a.qat_epochs, device=dev, progress=False)
    timed_eval('eval_qat', q)
    timed_eval('eval_fp', fp)
    res['ratios'] = dict(eval_quantized_over_fp=round(res['eval_calibrated']['seconds'] / res['eval_fp']['seconds'], 2),
                         recon_seconds_per_unit_step=round(res['recon']['seconds'] / (len(recon_units(fp)) * max(a.recon_iters, 1)), 3))
    print(json.dumps(dict(settings=vars(a), device=str(dev), threads=torch.get_num_threads(), **res), indent=1))

if __name__ == '__main__': main()
