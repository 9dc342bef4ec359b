"""Is the top-1 of a fake-quant DeiT-Tiny stable under arithmetic differences of the last bits? The same calibrated model in
float32 and in float64, and its ONNX export in onnxruntime, scored against each other on the 500 shared images (top-1
agreement, %), for the settings of _deit.SETTINGS (calibration only on 32 real images, seed 0) or quantized .pt files. Prints JSON lines:

    .venv/bin/python bench/quant_stability.py --models 'W8A8,W4A4,W8A8 all uniform' > results/export/stability.jsonl
"""
import copy, json, torch, tempfile
from fastcore.script import call_parse
from pathlib import Path
from sardfq.models import shared_path
from sardfq.data import load_images
from sardfq.qmodel import load_quantized
from sardfq.export import export_onnx, OnnxClassifier
from _deit import deit_images_calib, calibrated
@call_parse
def main(models:str='W8A8,W4A4,W8A8 all uniform' # comma-separated: names of _deit.SETTINGS (calibrated here) or quantized .pt files
        ):
    "Score float32 against float64 and onnxruntime against both, per model; print one JSON line each."
    torch.set_num_threads(2)
    fp, ds, calib = deit_images_calib(shared_path('models/deit_tiny_patch16_224.safetensors'), shared_path('data/imagenet-sample-dev'))
    x, y = load_images(ds, batch_size=100, workers=0)
    out = {}
    for name in models.split(','):
        q = load_quantized(name) if name.endswith('.pt') else calibrated(fp, calib, name)
        q64 = copy.deepcopy(q).double()
        with torch.no_grad():
            l32 = torch.cat([q(c) for c in x.split(50)])
            l64 = torch.cat([q64(c.double()) for c in x.split(50)]).float()
        oc = OnnxClassifier(export_onnx(q, Path(tempfile.mkdtemp())/'m.onnx'), 'cpu', 2)
        lo = torch.cat([oc(c) for c in x.split(50)])
        ag = lambda a, b: round(100 * (a.argmax(1) == b.argmax(1)).float().mean().item(), 1)
        out[name] = dict(fp32_vs_fp64=ag(l32, l64), onnx_vs_fp32=ag(lo, l32), onnx_vs_fp64=ag(lo, l64), top1_fp32=ag(l32, torch.nn.functional.one_hot(y, 1000)), top1_fp64=ag(l64, torch.nn.functional.one_hot(y, 1000)))
        print(json.dumps({name: out[name]}), flush=True)
