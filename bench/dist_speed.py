"""Synthesis over several processes: images per second with 1 and with N processes launched by `torchrun`, one thread
each, and the scaling efficiency (speed-up / N). Every process count synthesizes the same images (`n` = N_max batches),
so each run does the same work; the time is rank 0's, from a barrier after the model is loaded to the end of
`synthesize` (the gather of all batches included), so process start-up and imports are left out.

    .venv/bin/python bench/dist_speed.py [--procs 1,2] [--batch-size 8] [--iters 20] [--device cpu]

Prints one JSON object."""
import json, os, subprocess, sys, tempfile
from pathlib import Path
from fastcore.script import call_parse
from sardfq.models import shared_path

WORKER = """import json, sys, time, torch
import torch.distributed as dist
from sardfq.models import load_model, distributed
from sardfq.synth import SynthConfig, synthesize
model, ckpt, n, batch, iters, device = sys.argv[1:]
with distributed(device) as (rank, world):
    net = load_model(model, checkpoint=ckpt)
    dist.barrier(); start = time.perf_counter()
    synthesize(net, SynthConfig(n=int(n), batch_size=int(batch), iters=int(iters)), device=device, progress=False)
    dist.barrier(); seconds = time.perf_counter() - start
    if rank == 0: print(json.dumps(dict(processes=world, threads=torch.get_num_threads(), seconds=round(seconds, 3), images_per_s=round(int(n) / seconds, 4))))
"""

@call_parse
def main(model:str='deit_tiny_patch16_224', # timm model name
         checkpoint:str=str(shared_path('models/deit_tiny_patch16_224.safetensors')), # its FP weights
         procs:str='1,2', # process counts to time, comma-separated
         batch_size:int=8, # images per synthesis batch
         iters:int=20, # synthesis iterations per batch (fewer leave start-up costs, e.g. the first step's allocations, unamortized)
         device:str='cpu' # cpu (gloo) or cuda (NCCL, one GPU per process)
        ):
    "Time the same synthesis with each process count and print images per second and the scaling efficiency as JSON."
    counts = [int(p) for p in procs.split(',')]
    n = batch_size * max(counts)
    with tempfile.NamedTemporaryFile('w', suffix='.py') as f:
        f.write(WORKER); f.flush()
        runs = [json.loads(subprocess.run([str(Path(sys.executable).parent/'torchrun'), '--standalone', '--nproc-per-node', str(p), f.name,
                                           model, checkpoint, str(n), str(batch_size), str(iters), device],
                                          capture_output=True, text=True, check=True, env={**os.environ, 'OMP_NUM_THREADS': '1'}).stdout) for p in counts]
    base = runs[0]['images_per_s'] / runs[0]['processes']
    for r in runs: r['efficiency'] = round(r['images_per_s'] / (base * r['processes']), 3)
    print(json.dumps(dict(model=model, device=device, n=n, batch_size=batch_size, iters=iters, runs=runs)))
