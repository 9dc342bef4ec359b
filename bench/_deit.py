"What the export benches share: the shared FP DeiT-Tiny, its real images and 32 of them to calibrate with."
from sardfq.models import load_model, data_config
from sardfq.data import ImageFolder, eval_transform
from sardfq.pipeline import real_calib
from sardfq.qmodel import quantize_model, calibrate

SETTINGS = {'W8A8': dict(wbits=8, abits=8), 'W6A6': dict(wbits=6, abits=6), 'W4A8': dict(wbits=4, abits=8), 'W4A4': dict(wbits=4, abits=4),
            'W8A8 uniform GELU': dict(wbits=8, abits=8, gelu='uniform'),
            'W8A8 all uniform': dict(wbits=8, abits=8, gelu='uniform', softmax='uniform', per_head=False)}  # the last: every product integer in onnxruntime

def deit_images_calib(checkpoint, # the FP DeiT-Tiny weights
                      data # folder of real images
                     )->tuple: # (FP model in eval mode, ImageFolder with its eval transform, 32 calibration images drawn with seed 0)
    "The FP DeiT-Tiny, the real images as it sees them, and `real_calib`'s 32 calibration images."
    fp = load_model('deit_tiny_patch16_224', checkpoint=checkpoint).eval()
    cfg = data_config(fp)
    return fp, ImageFolder(data, eval_transform(cfg)), real_calib(data, cfg)

def calibrated(fp, # the FP model
               calib, # its calibration images
               name:str, # a key of SETTINGS
               rounds:int=2 # output-error search rounds (`calibrate`)
              ):
    "`fp` quantized with `SETTINGS[name]` and calibrated on `calib` (no reconstruction)."
    if name not in SETTINGS: raise SystemExit(f"unknown setting {name!r}: use one of {', '.join(SETTINGS)}")
    return calibrate(quantize_model(fp, **SETTINGS[name]), calib, rounds=rounds)
