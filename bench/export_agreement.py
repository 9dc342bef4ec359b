"""How closely the ONNX exports of the real DeiT-Tiny follow their PyTorch fake-quant models over the 500 shared images: top-1
agreement, both top-1s and the largest logit difference, with onnxruntime's graph optimizations (integer kernels) and without
(the graph as written). Models: calibration only on 32 real images (seed 0) in each of --settings (by default W8A8, W6A6, W4A4, and W8A8 with
every activation quantizer uniform and per tensor, the one onnxruntime runs fastest), plus any saved quantized files
(e.g. sardfq-run's W4A4 output). Prints JSON (and writes it with --out). Example:

    .venv/bin/python bench/export_agreement.py --quantized results/sardfq_run_cpu/sardfq-w4a4-seed0/quantized.pt --out results/export/agreement.json
"""
import json, tempfile, time
from pathlib import Path
import torch
from fastcore.script import call_parse
from sardfq.models import shared_path, written
from sardfq.data import image_loader
from sardfq.qmodel import load_quantized
from sardfq.export import export_onnx, OnnxClassifier, onnx_agreement
from sardfq.run import code_version
from _deit import deit_images_calib, calibrated

@call_parse
def main(checkpoint:str=str(shared_path('models/deit_tiny_patch16_224.safetensors')), # the FP DeiT-Tiny weights
         data:str=str(shared_path('data/imagenet-sample-dev')), # the shared real images: 32 calibrate (seed 0), all are scored
         settings:str='W8A8,W6A6,W4A4,W8A8 all uniform', # comma-separated names of _deit.SETTINGS to calibrate and export
         quantized:str=None, # comma-separated quantized files (sardfq-quantize / sardfq-run) to export as well
         threads:int=2, # threads of PyTorch and onnxruntime
         out:str=None # also write the JSON here
        ):
    "Export each model, run it with onnxruntime (optimized and as written) and score it against its PyTorch model on every image."
    torch.set_num_threads(threads)
    fp, ds, calib = deit_images_calib(checkpoint, data)
    models = {f'{name} calibration only': calibrated(fp, calib, name) for name in settings.split(',')}
    models.update({f'{p} ({q.quant_config["wbits"]}/{q.quant_config["abits"]})': q for p in (quantized.split(',') if quantized else []) for q in [load_quantized(p)]})
    tmp, res = Path(tempfile.mkdtemp()), dict(images=len(ds), data=data, torch=torch.__version__, sardfq=code_version(), models={})
    for name, q in models.items():
        path, start = export_onnx(q, tmp/'model.onnx'), time.time()
        res['models'][name] = {mode: onnx_agreement(q, OnnxClassifier(path, 'cpu', threads, optimize=mode == 'optimized'), image_loader(ds, batch_size=50, workers=0))
                               for mode in ('optimized', 'as written')}
        res['models'][name]['seconds'] = round(time.time() - start, 1)
        print(json.dumps({name: res['models'][name]}), flush=True)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        with written(out, 'w') as f: f.write(json.dumps(res, indent=2))
