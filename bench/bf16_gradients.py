"""How close is a synthesis step under bf16 autocast to the same step in fp32? One fp32 SARDFQ run of a small batch on the
shared DeiT-Tiny, and at its start and its snapshots the pixels' gradient of the same step (same draws, views and
jitter) taken in fp32 and under `SynthConfig.bf16`: the cosine similarity of the whole gradient, of the APA term's share
(the gradient with APA minus the gradient without it) and of the rest, the fraction of pixels whose gradient has the
same sign, and both losses. Prints one JSON object:

    .venv/bin/python bench/bf16_gradients.py > results/synth/bf16_gradients.json
"""
import json
from dataclasses import replace
import torch
import torch.nn.functional as F
from fastcore.script import call_parse
from sardfq.models import load_model, shared_path
from sardfq.priors import apa_layout
from sardfq.synth import SynthConfig, synthesize, init_batch, step_losses, _batch_generator

def step_gradient(model, x, st, cfg, lay, gen_state)->tuple:
    "The pixels' gradient (flat) and the loss components of one step from `x`, drawing from a generator in `gen_state`."
    gen = torch.Generator(); gen.set_state(gen_state)
    x = x.clone().requires_grad_()
    res = step_losses(model, x, st, cfg, lay, gen)
    res['loss'].backward(inputs=[x])
    return x.grad.flatten(), {k: round(v.item(), 6) for k, v in res.items()}

def fidelity(model, x, st, cfg, lay, gen_state)->dict:
    "How the bf16 step's gradient from `x` matches the fp32 step's: cosines (whole, APA's share, the rest), sign agreement, losses."
    cos = lambda a, b: round(F.cosine_similarity(a.double(), b.double(), 0).item(), 5)
    (g32, l32), (g16, l16) = [step_gradient(model, x, st, replace(cfg, bf16=b), lay, gen_state) for b in (False, True)]
    r32, r16 = [step_gradient(model, x, st, replace(cfg, bf16=b, apa=False), lay, gen_state)[0] for b in (False, True)]
    return dict(cos=cos(g32, g16), cos_apa=cos(g32 - r32, g16 - r16), cos_rest=cos(r32, r16),
                sign_agree=round(((g32 > 0) == (g16 > 0)).float().mean().item(), 4),
                apa_over_rest_norm=round(((g32 - r32).norm() / r32.norm()).item(), 3), loss_fp32=l32, loss_bf16=l16)

@call_parse
def main(batch_size:int=8, # images in the batch (with as many MSR views)
         iters:int=200, # iterations of the fp32 run
         at:str='100,160,190', # snapshots (iterations) where the gradients are compared, besides the start
         seed:int=0, # the batch's seed
         threads:int=2 # torch threads
        ):
    "Print the bf16-versus-fp32 gradient fidelity of a SARDFQ step along one fp32 run."
    torch.set_num_threads(threads)
    model = load_model('deit_tiny_patch16_224', checkpoint=shared_path('models/deit_tiny_patch16_224.safetensors')).eval()
    snaps = tuple(int(s) for s in at.split(','))
    cfg = SynthConfig(n=batch_size, batch_size=batch_size, iters=iters, seed=seed, snapshots=snaps, bf16_matmul=False)  # the fp32 path the results were measured on
    lay, gen = apa_layout(model, cfg.apa_first), _batch_generator(seed, 0)
    st = init_batch(model, cfg, batch_size, gen)
    state = gen.get_state()  # the draws of the step compared: the same for every state of the pixels
    run = synthesize(model, cfg, device='cpu', progress=False)
    points = {0: st['x'], **run['snapshots']}
    res = dict(model='deit_tiny_patch16_224', batch_size=batch_size, iters=iters, seed=seed, threads=threads, torch=torch.__version__,
               at={i: fidelity(model, x, st, cfg, lay, state) for i, x in points.items()})
    print(json.dumps(res))
