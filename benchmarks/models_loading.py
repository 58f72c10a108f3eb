"""How long adding and loading a LaMa-size model takes, per file format, and a filter's speed.

    python benchmarks/models_loading.py [--size 512] [--keep DIR]

Builds a randomly initialised big-lama (51 M parameters) and saves it as .safetensors,
.pth (torch.save) and a traced TorchScript .pt; for each, times the safe read
(`restorer.models.safeload.read_weights`), spandrel detection/build, and checks the
weights are identical across formats. Then times a 2x RealESRGAN-Compact filter on a
`--size` square photo, whole versus 512-pixel tiles. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _timed(label: str, fn):
    started = time.perf_counter()
    value = fn()
    print(f"  {label:<34} {time.perf_counter() - started:7.2f} s")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="side of the filtered photo")
    parser.add_argument("--keep", type=Path, default=None, help="keep the model files here")
    args = parser.parse_args()

    import numpy as np
    import torch
    from safetensors.torch import save_file
    from spandrel.architectures.Compact import Compact
    from spandrel.architectures.LaMa import LaMa

    folder = args.keep or Path(tempfile.mkdtemp(prefix="restorer-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("RESTORER_DATA_DIR", str(folder / "data"))
    from restorer import catalog
    from restorer.filters import apply_filter
    from restorer.models.detect import build_model
    from restorer.models.safeload import read_weights

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, files in {folder}")
    torch.manual_seed(0)
    lama = LaMa(in_nc=4, out_nc=3).eval()
    state = {k: v.contiguous() for k, v in lama.state_dict().items()}
    files = {
        "safetensors": folder / "lama.safetensors",
        "pth": folder / "lama.pth",
        "torchscript": folder / "lama.pt",
    }
    print("saving:")
    _timed("safetensors", lambda: save_file(state, str(files["safetensors"])))
    _timed("torch.save", lambda: torch.save(state, files["pth"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        example = (torch.rand(1, 3, 32, 32), torch.zeros(1, 1, 32, 32))
        traced = _timed(
            "torch.jit.trace", lambda: torch.jit.trace(lama, example, check_trace=False)
        )
        _timed("TorchScript save", lambda: traced.save(str(files["torchscript"])))

    reference = None
    for kind, path in files.items():
        print(f"{kind} ({path.stat().st_size / 1e6:.0f} MB):")
        weights, _ = _timed("safe read", lambda path=path: read_weights(path))
        _timed("detect + build (spandrel)", lambda w=weights, name=path.name: build_model(w, name))
        if reference is None:
            reference = weights
        same = reference.keys() == weights.keys() and all(
            torch.equal(reference[k], weights[k]) for k in reference
        )
        print(f"  identical to safetensors weights: {same}")

    print(f"filter: 2x Compact (64 features, 16 convs) on {args.size}x{args.size}, CPU")
    torch.manual_seed(1)
    compact = Compact(num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=2)
    save_file(compact.state_dict(), str(folder / "compact-x2.safetensors"))
    info = catalog.add_model(folder / "compact-x2.safetensors")
    image = (np.random.default_rng(0).random((args.size, args.size, 3)) * 255).astype(np.uint8)
    apply_filter(image[:64, :64], info.id, device="cpu")  # load once
    whole = _timed("whole image", lambda: apply_filter(image, info.id, device="cpu", tile=0))
    tiled = _timed("256-px tiles", lambda: apply_filter(image, info.id, device="cpu", tile=256))
    print(f"  max difference tiled vs whole: {int(np.abs(whole.astype(int) - tiled).max())}")
    catalog.remove_model(info.id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
