"What the export benches share: the shared FP DeiT-Tiny, its real images and 32 of them to calibrate with."
from sardfq.models import load_model, data_config
from sardfq.data import ImageFolder, eval_transform
from sardfq.pipeline import real_calib

def deit_images_calib(checkpoint, # the FP DeiT-Tiny weights
                      data # folder of real images
                     )->tuple: # (FP model in eval mode, ImageFolder with its eval transform, 32 calibration images drawn with seed 0)
    "The FP DeiT-Tiny, the real images as it sees them, and `real_calib`'s 32 calibration images."
    fp = load_model('deit_tiny_patch16_224', checkpoint=checkpoint).eval()
    cfg = data_config(fp)
    return fp, ImageFolder(data, eval_transform(cfg)), real_calib(data, cfg)
