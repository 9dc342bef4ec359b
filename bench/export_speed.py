"""Speed and size of the real DeiT-Tiny as PyTorch FP32, onnxruntime FP32 and onnxruntime QDQ exports (W8A8, W4A8, W4A4, and
W8A8 with a uniform post-GELU quantizer), at batch 1 and 32 on the CPU with a fixed thread count. Prints JSON (and writes it
with --out). The models are rounds round-robin, so that a noisy machine slows them alike; each figure is the median batch time.

Speed does not depend on how well a model is calibrated, so the quantized models are calibrated without the output-error search
(32 real images, seed 0). Also listed per export: which operators onnxruntime runs after its graph optimizations, i.e. which
products became integer kernels and which stayed in float. Example:

    .venv/bin/python bench/export_speed.py --threads 2 --out results/export/speed.json
"""
import json, os, platform, statistics, tempfile, time
from collections import Counter
from pathlib import Path
import torch, onnx, onnxruntime as ort
from fastcore.script import call_parse
from sardfq.models import shared_path, written
from sardfq.data import load_images
from sardfq.export import export_onnx
from sardfq.run import code_version
from _deit import deit_images_calib, calibrated

FUSED = ('MatMulIntegerToFloat', 'QLinearMatMul', 'MatMulInteger', 'QLinearConv', 'ConvInteger', 'DynamicQuantizeMatMul', 'MatMulNBits')

def session(path:Path, threads:int, optimized:Path=None)->ort.InferenceSession:
    "A CPU onnxruntime session with all graph optimizations and `threads` threads (optionally saving the optimized graph)."
    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
    if optimized: opts.optimized_model_filepath = str(optimized)
    return ort.InferenceSession(str(path), opts, providers=['CPUExecutionProvider'])

def op_counts(path:Path)->dict:
    "How many of each operator a graph runs: the integer products, float MatMul/Conv/Gemm, and quantize/dequantize nodes."
    ops = Counter(n.op_type for n in onnx.load(str(path)).graph.node)
    return {k: v for k, v in sorted(ops.items()) if k in FUSED + ('MatMul', 'Gemm', 'Conv', 'QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear')}

@call_parse
def main(checkpoint:str=str(shared_path('models/deit_tiny_patch16_224.safetensors')), # the FP DeiT-Tiny weights
         data:str=str(shared_path('data/imagenet-sample-dev')), # real images: 32 calibrate, the first batch is timed
         threads:int=2, # threads of PyTorch and of onnxruntime
         batches:str='1,32', # comma-separated batch sizes
         rounds:int=10, # timed batches per model and batch size (round-robin over models)
         settings:str='W8A8,W8A8 uniform GELU,W8A8 all uniform,W4A8,W4A4', # comma-separated names of _deit.SETTINGS
         out:str=None # also write the JSON here
        ):
    "Time PyTorch FP32, onnxruntime FP32 and the QDQ exports at each batch size, round-robin; print sizes, latencies, throughputs and ratios as JSON."
    torch.set_num_threads(threads)
    fp, ds, calib = deit_images_calib(checkpoint, data)
    x = load_images(ds, n=max(map(int, batches.split(','))), batch_size=64, workers=0)[0]
    tmp = Path(tempfile.mkdtemp())
    with written(tmp/'fp32.onnx') as f:
        torch.onnx.export(fp, (x[:2],), f, opset_version=20, input_names=['images'], output_names=['logits'], dynamo=False,
                          dynamic_axes={'images': {0: 'batch'}, 'logits': {0: 'batch'}})
    files, calib_s = {'onnxruntime FP32': tmp/'fp32.onnx'}, {}
    for name in settings.split(','):
        start = time.time()
        q = calibrated(fp, calib, name, rounds=0)
        calib_s[name] = round(time.time() - start, 1)
        files[f'onnxruntime {name}'] = export_onnx(q, tmp/f"{name.replace(' ', '_')}.onnx")
    runners = {'PyTorch FP32': lambda b: fp(b)}
    ops = {}
    for name, path in files.items():
        sess = session(path, threads, tmp/f'{path.stem}.opt.onnx')
        ops[name] = op_counts(tmp/f'{path.stem}.opt.onnx')
        runners[name] = lambda b, s=sess: s.run(None, {'images': b.numpy()})
    times = {(n, b): [] for n in runners for b in map(int, batches.split(','))}
    with torch.inference_mode():
        for (n, b) in times: runners[n](x[:b])  # warm-up
        for _ in range(rounds):
            for (n, b), ts in times.items():
                start = time.perf_counter(); runners[n](x[:b]); ts.append(time.perf_counter() - start)
    res = dict(model='deit_tiny_patch16_224', threads=threads, rounds=rounds, cpu=platform.processor() or platform.machine(), cores=os.cpu_count(),
               torch=torch.__version__, onnxruntime=ort.__version__, sardfq=code_version(), calibration='32 real images (seed 0), no output-error search',
               calibrate_seconds=calib_s, bytes={n: p.stat().st_size for n, p in files.items()}, ops_after_optimization=ops, batches={})
    for b in map(int, batches.split(',')):
        med = {n: statistics.median(times[n, b]) for n in runners}
        res['batches'][b] = {n: dict(ms=round(1000 * t, 2), images_per_s=round(b / t, 1), speedup_vs_ort_fp32=round(med['onnxruntime FP32'] / t, 2)) for n, t in med.items()}
    res['size_vs_fp32'] = {n: round(v / res['bytes']['onnxruntime FP32'], 3) for n, v in res['bytes'].items()}
    text = json.dumps(res, indent=2)
    print(text)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        with written(out, 'w') as f: f.write(text)
