"""Why do the model's own attention maps calibrate no better than random mixtures as SARDFQ's priors? Two measurements
on the shared DeiT-Tiny, per aligned block (`apa_layout`):

- `maps`: the class token's attention on each seed's 32 real calibration images (what `prior=real` aligns to) beside
  random priors at `prior_sharpen` 1 and 2: the mass on the 5 largest of 196 patches, entropy, the cosine between two
  images' maps (same head), and how often a head's largest patch is the same one across images (an attention sink
  would make that share large);
- `aligned`: for cached `sardfq-compare` syntheses of the given method names (the grid's command, `--synth
  prior_sharpen=1`, 200 iterations), the cosine between the class-token attention on each synthesized image and its own
  prior, against the prior of another image of the batch (what the prior would give by chance), and that attention's
  entropy.

Reads the syntheses from `--cache` (it synthesizes nothing; a missing one names the command that makes it) and prints
one JSON object:

    .venv/bin/python bench/prior_alignment.py > results/synth/prior_alignment.json
"""
import json
import torch
import torch.nn.functional as F
from fastcore.script import call_parse
from sardfq.models import load_model, data_config, capture_class_attention, shared_path
from sardfq.data import ImageFolder, eval_transform, split_dataset, load_images
from sardfq.priors import apa_layout, real_priors, random_priors
from sardfq.synth import SynthConfig, init_batch, load_synth, _batch_generator, _real_prior_images
from sardfq.run import method_synth_config, file_digest, cached_synthesis

def class_maps(model, x, lay)->list:
    "The class token's attention on `x`, renormalized over the patches, per aligned block: `n x heads x N`."
    with torch.no_grad(), capture_class_attention(model, lay['blocks']) as rows: model(x)
    return [r[..., lay['prefix']:] / r[..., lay['prefix']:].sum(-1, keepdim=True) for r in rows]

def entropy(m:torch.Tensor)->float:
    "Mean entropy (nats) of the maps in `m`, each summing to 1 over the last dimension."
    return -(m.clamp_min(1e-12).log() * m).sum(-1).mean().item()

def map_stats(m:torch.Tensor)->dict:
    "Concentration and image-to-image sameness of per-image maps `n x heads x N`."
    u = F.normalize(m, dim=-1)
    across = torch.einsum('ahn,bhn->abh', u, u)[~torch.eye(len(m), dtype=torch.bool)].mean().item()
    top = m.argmax(-1)  # n x heads
    sink = (top == top.mode(0).values).float().mean().item()
    return dict(top5=round(m.topk(5, -1).values.sum(-1).mean().item(), 3), entropy=round(entropy(m), 3),
                cos_across_images=round(across, 3), same_top_patch=round(sink, 3))

def alignment(model, lay, res:dict, cfg:SynthConfig, priors:list=None)->dict:
    "How the attention on a synthesis's images matches its own priors (drawn again from its seed) and another image's."
    st = init_batch(model, cfg, cfg.n, _batch_generator(cfg.seed, 0), priors)
    got = class_maps(model, res['images'], lay)
    cos = lambda shift: [round(F.cosine_similarity(g, p.roll(shift, 0), dim=-1).mean().item(), 3) for g, p in zip(got, st['priors'])]
    return dict(cos_own_prior=cos(0), cos_other_prior=cos(1), entropy=[round(entropy(g), 3) for g in got])

def mean_lists(rows:list)->list:
    "The element-wise mean of equally long lists (per-block values over seeds)."
    return [round(sum(c) / len(c), 3) for c in zip(*rows)]

@call_parse
def main(methods:str='sardfq+prior=real,sardfq+bf16_matmul,sardfq+prior_sharpen=2', # compare method names whose syntheses are read
         seeds:str='0,1,2,3', # their seeds
         iters:int=200, # their synthesis iterations
         cache:str='runs/.cache', # folder of cached syntheses
         grid:str='results/compare/cpu', # the sardfq-compare folder the syntheses were made for (`prior=real`: its copies of each seed's calibration images)
         threads:int=2 # torch threads
        ):
    "Print the statistics of real attention maps and random priors, and how closely cached SARDFQ syntheses meet their priors."
    torch.set_num_threads(threads)
    ckpt = shared_path('models/deit_tiny_patch16_224.safetensors')
    fp, ck = load_model('deit_tiny_patch16_224', checkpoint=ckpt).eval(), file_digest(ckpt)
    lay, seeds = apa_layout(fp), [int(s) for s in seeds.split(',')]
    ds = ImageFolder(shared_path('data/imagenet-sample-dev'), eval_transform(data_config(fp)))
    maps = {}
    for s in seeds:
        x = load_images(split_dataset(ds, 32, s)[0], batch_size=32, workers=0)[0]
        drawn = {f'random_sharpen{k:g}': random_priors(fp, 32, generator=torch.Generator().manual_seed(s), sharpen=k) for k in (1., 2.)}
        for name, per_block in {'real': class_maps(fp, x, lay), **drawn}.items():
            maps.setdefault(name, []).append([map_stats(m) for m in per_block])
    maps = {name: {f: mean_lists([[b[f] for b in r] for r in rs]) for f in rs[0][0]} for name, rs in maps.items()}
    aligned = {}
    for m in methods.split(','):
        rows = []
        for s in seeds:
            cfg = method_synth_config(m, s, dict(prior_sharpen=1., iters=iters), out=grid)  # the grid's `--synth prior_sharpen=1 --iters ITERS`
            f = cached_synthesis(cache, 'deit_tiny_patch16_224', ck, cfg)
            if f is None: raise SystemExit(f"no cached synthesis of {m} seed {s} in {cache}: make it with sardfq-compare ... --iters {iters} --synth prior_sharpen=1 --methods {m} --seeds {s} (README's results/compare/cpu command)")
            pri = real_priors(fp, _real_prior_images(fp, cfg)) if cfg.aligns_to_real() else None
            rows.append(alignment(fp, lay, load_synth(f), cfg, pri))
        aligned[m] = {f: mean_lists([r[f] for r in rows]) for f in rows[0]}
    print(json.dumps(dict(model='deit_tiny_patch16_224', blocks=lay['blocks'], seeds=seeds, iters=iters, uniform_entropy=round(torch.log(torch.tensor(196.)).item(), 3),
                          maps=maps, aligned=aligned, torch=torch.__version__)))
