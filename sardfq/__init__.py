__version__ = "0.0.1"

from .models import load_model, data_config
from .data import load_images, evaluate
from .synth import SynthConfig, synthesize, save_synth, load_synth
from .qmodel import quantize_model, calibrate, save_quantized, load_quantized
from .pipeline import QuantConfig, quantize_pipeline, real_calib
