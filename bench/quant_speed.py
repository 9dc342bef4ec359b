"""Time and peak memory of each quantization stage on the shared DeiT-Tiny, with `QuantConfig`'s defaults unless told:
quantize + calibrate, block reconstruction, QAT (when --qat-epochs > 0), folding, evaluation. Also the cost of one
reconstruction step against a plain forward+backward of the same FP block on the same batch, measured in the same run.

Prints one JSON object. Example (the defaults, 32 real calibration images, 100 held-out images):
    .venv/bin/python bench/quant_speed.py --n-eval 100
"""
import copy, json, time
from dataclasses import asdict
import torch
from fastcore.script import call_parse
from sardfq.models import load_model, data_config, get_device, shared_path
from sardfq.data import ImageFolder, eval_transform, split_dataset, load_images, evaluate
from sardfq.qmodel import quantize_model, calibrate, fold_shifts
from sardfq.recon import reconstruct, unit_inputs
from sardfq.qat import qat
from sardfq.pipeline import QuantConfig
from sardfq.pipeline import StageMeter

def step_ratio(fp, q, x, drop, steps=5):
    "Seconds of one fit step of quantized block 0 (rounding learned, QDrop at `drop`) and of a forward+backward of FP block 0 on `x`, and their ratio."
    fb, qb = copy.deepcopy(fp.blocks[0]), copy.deepcopy(q.blocks[0])
    for m in qb.modules():
        if hasattr(m, 'drop'): m.drop = drop
    logits = [l.wq.learn_rounding(l.weight) for l in qb.modules() if hasattr(l, 'wq')]
    def timed(block, params):
        for p in block.parameters(): p.requires_grad_(False)
        for p in params: p.requires_grad_(True)
        block(x).pow(2).mean().backward()
        start = time.time()
        for _ in range(steps): block(x).pow(2).mean().backward()
        return (time.time() - start) / steps
    fp_s, q_s = timed(fb, list(fb.parameters())), timed(qb, logits)
    return dict(fp_fwd_bwd_s=round(fp_s, 4), recon_step_s=round(q_s, 4), ratio=round(q_s / fp_s, 1))

@call_parse
def main(model:str='deit_tiny_patch16_224', # timm model name
         checkpoint:str=str(shared_path('models/deit_tiny_patch16_224.safetensors')), # its FP weights
         data:str=str(shared_path('data/imagenet-sample-dev')), # real images: the calibration images are drawn from them, the rest evaluate
         bits:int=4, # weight and activation bit width
         n_calib:int=32, # calibration images
         recon_iters:int=QuantConfig.recon_iters, # reconstruction steps per block
         qat_epochs:int=QuantConfig.qat_epochs, # QAT epochs (0: none)
         n_eval:int=100, # held-out images to evaluate
         threads:int=None, # torch threads (default: torch's)
         device:str=None # cpu or cuda (default: cuda when available)
        ):
    "Print each stage's seconds and peak memory, and the reconstruction step's cost relative to a plain forward+backward, as JSON."
    if threads: torch.set_num_threads(threads)
    dev, cfg = get_device(device), QuantConfig(wbits=bits, abits=bits, recon_iters=recon_iters, qat_epochs=qat_epochs).check()
    torch.manual_seed(0)
    fp = load_model(model, checkpoint=checkpoint).to(dev)
    calib_set, eval_set = split_dataset(ImageFolder(data, eval_transform(data_config(fp))), n_calib, seed=0)
    calib = load_images(calib_set, batch_size=n_calib, workers=0)[0].to(dev)
    loader = list(zip(*[t.split(64) for t in load_images(eval_set, n=n_eval)]))
    meter, res = StageMeter(dev), {}
    with meter('calibrate'): q = calibrate(quantize_model(fp, **cfg.quantizer_options()).to(dev), calib, rounds=cfg.search_rounds)
    with meter('eval_calibrated'): res['top1_calibrated'] = evaluate(q, loader, device=dev, progress=False)['top1']
    res['step'] = step_ratio(fp, q, unit_inputs(fp, fp.blocks[0], calib[:cfg.recon_batch]), cfg.drop)
    with meter('recon'): records = reconstruct(fp, q, calib, device=dev, progress=False, **cfg.recon_options())
    if cfg.qat_epochs:
        with meter('qat'): qat(fp, q, calib, epochs=cfg.qat_epochs, lr_weights=cfg.qat_lr, lr_scales=10 * cfg.qat_lr, device=dev, progress=False)
    fold_shifts(q)
    with meter('eval'): res['top1'] = evaluate(q, loader, device=dev, progress=False)['top1']
    print(json.dumps(dict(model=model, device=str(dev), threads=torch.get_num_threads(), n_calib=n_calib, n_eval=len(eval_set) if n_eval is None else n_eval,
                          config=asdict(cfg), seconds=meter.seconds, peak_mb=meter.peak_mb,
                          recon_seconds_per_block=[r['seconds'] for r in records], **res, torch=torch.__version__)))
