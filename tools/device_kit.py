"""Write `.dev/`, what a run on a lent GPU machine needs beside the repository, within the 64 MiB that travel with it:

- `models/`: the shared DeiT-Tiny checkpoint (22 MB);
- `data/imagenet-sample-dev/`: the 500 shared images as the eval transform's 224 px center crops, JPEG at quality 95
  with full-resolution colour (about 17 MB instead of 54; read them with `--precropped`);
- `whl/`: wheels of the package's dependencies that the machine's image lacks (fastcore), for `pip install --target`.

The folder is gitignored and made whole or not at all. `bench/gpu_grid.sh` is the command to run there, e.g.

    .venv/bin/python tools/device_kit.py
    # device run, carry ['.dev'], command: bash bench/gpu_grid.sh compare 480
"""
import shutil, subprocess, sys
from importlib.metadata import version
from pathlib import Path
from fastcore.script import call_parse
import torch
from sardfq.models import load_model, data_config, shared_path
from sardfq.data import ImageFolder, eval_transform, crop_transform, load_images

MISSING = ('fastcore',)  # dependencies the GPU machine's image does not hold (its package list: .library/device/KINDS.md)

def write_crops(src:Path, # folder of real images (flat, or by class)
                dst:Path, # where the crops go, in the same layout
                cfg:dict, # the model's data config
                quality:int=95 # JPEG quality
               )->int: # images written
    "Each image of `src` as its center crop, a JPEG under the same name in `dst`."
    crop, ds = crop_transform(cfg), ImageFolder(src)
    for i, (path, _) in enumerate(ds.samples):
        out = dst/Path(path).relative_to(ds.root)  # the same name: the synset stays readable from it
        out.parent.mkdir(parents=True, exist_ok=True)
        crop(ds[i][0]).save(out, 'JPEG', quality=quality, subsampling=0)  # full-resolution colour
    return len(ds)

@torch.no_grad()
def fp_predictions(model, ds, batch_size:int=100)->tuple:
    "The FP model's top-1 predictions on every image of `ds`, and the labels."
    x, y = load_images(ds, batch_size=len(ds), workers=0)
    return torch.cat([model(x[i:i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)]), y

@call_parse
def main(out:str='.dev', # folder to write (replaced when it exists)
         quality:int=95 # JPEG quality of the crops
        ):
    "Write the checkpoint, the shared images' center crops and the missing wheels into `out` for a GPU run; print what the crops change of the FP model's predictions."
    ckpt, data = shared_path('models/deit_tiny_patch16_224.safetensors'), shared_path('data/imagenet-sample-dev')
    model = load_model('deit_tiny_patch16_224', checkpoint=ckpt)
    cfg, out = data_config(model), Path(out)
    part = out.with_name(out.name + '.part')
    shutil.rmtree(part, ignore_errors=True)
    (part/'models').mkdir(parents=True)
    shutil.copy2(ckpt, part/'models'/ckpt.name)
    n = write_crops(data, part/'data'/data.name, cfg, quality)
    wheels = [f'{p}=={version(p)}' for p in MISSING]
    subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:', '-d', str(part/'whl'), *wheels], check=True)
    shutil.rmtree(out, ignore_errors=True)
    part.rename(out)
    size = sum(p.stat().st_size for p in out.rglob('*') if p.is_file())
    (orig, y), (crops, _) = fp_predictions(model, ImageFolder(data, eval_transform(cfg))), fp_predictions(model, ImageFolder(out/'data'/data.name, eval_transform(cfg, precropped=True)))
    pct = lambda hits: f"{hits.float().mean() * 100:.1f} %"
    print(f"{out}: {n} crops, {ckpt.name}, {', '.join(wheels)}; {size / 2**20:.1f} MiB. FP top-1 {pct(orig == y)} on the images, {pct(crops == y)} on the crops, the same prediction on {pct(orig == crops)}")
