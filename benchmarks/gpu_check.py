"""Every CUDA path of Restorer, run on the GPU and on the CPU, compared and timed.

    python benchmarks/gpu_check.py [--size 256] [--only patchmatch,lama,...]

Paths, each checked against the CPU result with the tolerance stated in its row:

- patchmatch   the weight-free engine (randomised search, so the two fills differ
               pixel by pixel): pixels outside the hole identical; PSNR in the hole on
               CUDA within 2 dB of the CPU's.
- lama-fp32    a LaMa-class model (random weights, built here) in float32:
               max |CUDA - CPU| <= 3 levels of 255, mean <= 0.5.
- lama-bf16    the same model in bfloat16 (what Restorer picks on a bf16 GPU):
               mean |CUDA - CPU| <= 4 levels, 99th percentile <= 24.
- sr-tiled     a super-resolution filter (RealESRGAN Compact x2) run in 96 px tiles:
               max |CUDA - CPU| <= 2 levels.
- gan          8 GAN training steps from the same seed: every generator and
               discriminator loss within 5% (relative, or 0.05 absolute) of the CPU's.
- texture      texture synthesis from the same exemplar and seed: mean colour within
               4 levels and per-channel standard deviation within 15% of the CPU's.
- oom-fallback the filter again with this process's GPU memory capped so loading or
               running fails with out-of-memory: the result must still come (smaller
               tiles or the CPU) and match the CPU result (max <= 3 levels).

Prints a table: path, CPU seconds, CUDA seconds, speed-up, the measured difference,
pass/FAIL. Exits 1 if any path fails. Without a CUDA device it prints
"no CUDA device" and exits 0. Uses a temporary models folder (nothing of yours is
touched) and no downloads.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PATHS = ("patchmatch", "lama-fp32", "lama-bf16", "sr-tiled", "gan", "texture", "oom-fallback")


def cuda_present() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - no torch, broken driver: no CUDA
        return False


def photo(size: int, seed: int = 0) -> np.ndarray:
    """A synthetic photo with edges, gradients and texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    image = np.stack([x / size * 200, y / size * 180, (x + y) / size * 90], axis=2)
    image += 30 * np.sin(x / 7.0)[..., None] * np.cos(y / 11.0)[..., None]
    image[size // 3 : size // 2, :, 0] += 60
    image += rng.normal(0, 6, image.shape)
    return image.clip(0, 255).astype(np.uint8)


def hole(size: int) -> np.ndarray:
    mask = np.zeros((size, size), bool)
    mask[size // 3 : size // 3 + size // 5, size // 4 : size // 4 + size // 3] = True
    return mask


def timed(function: Callable[[], object], sync: bool) -> tuple[object, float]:
    import torch

    if sync:
        torch.cuda.synchronize()
    started = time.perf_counter()
    result = function()
    if sync:
        torch.cuda.synchronize()
    return result, time.perf_counter() - started


def twice(function: Callable[[], object], sync: bool) -> tuple[object, float]:
    """Run once to warm up (loads, kernels), then time the second run."""
    function()
    return timed(function, sync)


def diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(np.int16) - b.astype(np.int16))


def psnr(result: np.ndarray, original: np.ndarray, mask: np.ndarray) -> float:
    error = result[mask].astype(np.float64) - original[mask].astype(np.float64)
    mse = float(np.mean(error * error))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


# -- the paths ------------------------------------------------------------------------


def check_patchmatch(size: int) -> tuple[float, float, str, bool]:
    from restorer.api import inpaint

    image, mask = photo(size), hole(size)
    cpu, cpu_s = twice(lambda: inpaint(image, mask, engine="patchmatch", device="cpu"), False)
    gpu, gpu_s = twice(lambda: inpaint(image, mask, engine="patchmatch", device="cuda"), True)
    outside = np.array_equal(gpu[~mask], image[~mask]) and np.array_equal(cpu[~mask], image[~mask])
    gap = psnr(gpu, image, mask) - psnr(cpu, image, mask)
    return (
        cpu_s,
        gpu_s,
        f"outside same {outside}; PSNR CUDA-CPU {gap:+.2f} dB",
        outside and gap > -2,
    )


def _add_random_lama() -> str:
    import torch
    from safetensors.torch import save_file
    from spandrel.architectures.LaMa import LaMa

    from restorer import catalog

    torch.manual_seed(0)
    module = LaMa(in_nc=4, out_nc=3)
    with torch.no_grad():  # keep random outputs in range, not saturated
        for parameter in module.parameters():
            parameter.mul_(0.5)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gpu-check-lama.safetensors"
        save_file({k: v.contiguous() for k, v in module.state_dict().items()}, str(path))
        return catalog.add_model(path).id


def check_lama(size: int, precision: str) -> tuple[float, float, str, bool]:
    from restorer.api import inpaint
    from restorer.models import runtime
    from restorer.models.store import list_models

    engine = next((m.id for m in list_models() if m.id.startswith("gpu-check-lama")), None)
    engine = engine or _add_random_lama()
    image, mask = photo(size, 1), hole(size)
    real_choice = runtime.choose_precision
    runtime.model_cache().clear()
    if precision == "fp32":
        runtime.choose_precision = lambda info, device: "float32"
    try:
        cpu, cpu_s = twice(lambda: inpaint(image, mask, engine=engine, device="cpu"), False)
        gpu, gpu_s = twice(lambda: inpaint(image, mask, engine=engine, device="cuda"), True)
        loaded = [label for label in runtime.model_cache().loaded() if label[1] == "cuda"]
    finally:
        runtime.choose_precision = real_choice
        runtime.model_cache().clear()
    d = diff(gpu, cpu)[mask]
    if precision == "fp32":
        ok = d.max() <= 3 and d.mean() <= 0.5
    else:
        ok = d.mean() <= 4 and np.percentile(d, 99) <= 24
    text = f"max {d.max()}, mean {d.mean():.2f}, p99 {np.percentile(d, 99):.0f} ({loaded})"
    return cpu_s, gpu_s, text, bool(ok)


def _add_tiny_sr() -> str:
    import torch
    from safetensors.torch import save_file
    from spandrel.architectures.Compact import Compact

    from restorer import catalog

    torch.manual_seed(1)
    module = Compact(num_in_ch=3, num_out_ch=3, num_feat=32, num_conv=8, upscale=2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gpu-check-sr.safetensors"
        save_file({k: v.contiguous() for k, v in module.state_dict().items()}, str(path))
        return catalog.add_model(path).id


def _sr_id() -> str:
    from restorer.models.store import list_models

    found = next((m.id for m in list_models() if m.id.startswith("gpu-check-sr")), None)
    return found or _add_tiny_sr()


def check_sr_tiled(size: int) -> tuple[float, float, str, bool]:
    from restorer.filters import apply_filter

    model = _sr_id()
    image = photo(size, 2)
    cpu, cpu_s = twice(lambda: apply_filter(image, model, device="cpu", tile=96), False)
    gpu, gpu_s = twice(lambda: apply_filter(image, model, device="cuda", tile=96), True)
    d = diff(gpu, cpu)
    return cpu_s, gpu_s, f"max {d.max()}, mean {d.mean():.3f}", bool(d.max() <= 2)


def _training_folder(folder: Path) -> Path:
    from restorer.imageio import save_image

    folder.mkdir(parents=True, exist_ok=True)
    for index in range(24):
        save_image(folder / f"crop-{index:02d}.png", photo(48, seed=index))
    return folder


def check_gan(size: int) -> tuple[float, float, str, bool]:
    import torch

    from restorer.generate.config import GanConfig
    from restorer.generate.dataset import load_folder
    from restorer.generate.trainer import Trainer

    with tempfile.TemporaryDirectory() as tmp:
        data = load_folder(_training_folder(Path(tmp) / "crops"), 32)

        def losses(device: str) -> list[tuple[float, float]]:
            torch.manual_seed(0)
            trainer = Trainer(GanConfig(size=32, batch=16, seed=0), data, device=device)
            return [trainer.train_step() for _ in range(8)]

        cpu, cpu_s = twice(lambda: losses("cpu"), False)
        gpu, gpu_s = twice(lambda: losses("cuda"), True)
    worst = max(
        abs(g - c) / max(abs(c), 1.0)
        for pair_g, pair_c in zip(gpu, cpu, strict=True)
        for g, c in zip(pair_g, pair_c, strict=True)
    )
    return cpu_s, gpu_s, f"worst loss gap {worst:.3%}", worst <= 0.05


def check_texture(size: int) -> tuple[float, float, str, bool]:
    from restorer.generate.texture import synthesize_texture

    exemplar = photo(64, 3)
    out = (size, size)
    cpu, cpu_s = twice(lambda: synthesize_texture(exemplar, out, seed=0, device="cpu"), False)
    gpu, gpu_s = twice(lambda: synthesize_texture(exemplar, out, seed=0, device="cuda"), True)
    mean_gap = np.abs(gpu.reshape(-1, 3).mean(0) - cpu.reshape(-1, 3).mean(0)).max()
    std_c, std_g = cpu.reshape(-1, 3).std(0), gpu.reshape(-1, 3).std(0)
    std_gap = float(np.max(np.abs(std_g - std_c) / np.maximum(std_c, 1)))
    ok = mean_gap <= 4 and std_gap <= 0.15
    return cpu_s, gpu_s, f"mean gap {mean_gap:.2f}, std gap {std_gap:.1%}", bool(ok)


def check_oom_fallback(size: int) -> tuple[float, float, str, bool]:
    import torch

    from restorer.filters import apply_filter
    from restorer.models.runtime import model_cache

    model = _sr_id()
    image = photo(size, 4)
    cpu, cpu_s = timed(lambda: apply_filter(image, model, device="cpu"), False)
    model_cache().clear()
    torch.cuda.empty_cache()
    messages: list[str] = []
    from restorer.progress import Progress

    progress = Progress(lambda fraction, message, preview: messages.append(message))
    total = torch.cuda.get_device_properties(0).total_memory
    in_use = torch.cuda.memory_allocated(0)
    torch.cuda.set_per_process_memory_fraction(min(1.0, (in_use + 2 * 2**20) / total), 0)
    try:
        gpu, gpu_s = timed(lambda: apply_filter(image, model, progress, device="cuda"), True)
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0, 0)
        model_cache().clear()
        torch.cuda.empty_cache()
    d = diff(gpu, cpu)
    fell_back = next((m for m in reversed(messages) if "memory" in m.lower()), "no OOM message")
    return cpu_s, gpu_s, f"max {d.max()}; {fell_back[:60]}", bool(d.max() <= 3)


CHECKS: dict[str, Callable[[int], tuple[float, float, str, bool]]] = {
    "patchmatch": check_patchmatch,
    "lama-fp32": lambda size: check_lama(size, "fp32"),
    "lama-bf16": lambda size: check_lama(size, "bf16"),
    "sr-tiled": check_sr_tiled,
    "gan": check_gan,
    "texture": check_texture,
    "oom-fallback": check_oom_fallback,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="photo side in pixels")
    parser.add_argument("--only", default=",".join(PATHS), help="comma-separated paths")
    args = parser.parse_args(argv)
    if not cuda_present():
        print("no CUDA device")
        return 0

    os.environ["RESTORER_DATA_DIR"] = tempfile.mkdtemp(prefix="restorer-gpu-check-")
    import torch

    print(f"CUDA device: {torch.cuda.get_device_name(0)}; torch {torch.__version__}")
    header = f"{'path':<13} {'CPU s':>8} {'CUDA s':>8} {'speed-up':>9}  result  difference"
    print(header)
    print("-" * len(header))
    failures = 0
    for name in args.only.split(","):
        try:
            cpu_s, gpu_s, text, ok = CHECKS[name](args.size)
        except Exception as exc:  # noqa: BLE001 - report every path, then fail
            print(f"{name:<13} {'-':>8} {'-':>8} {'-':>9}  ERROR   {type(exc).__name__}: {exc}")
            failures += 1
            continue
        failures += not ok
        speed = f"{cpu_s / gpu_s:.1f}x" if gpu_s > 0 else "-"
        verdict = "pass" if ok else "FAIL"
        print(f"{name:<13} {cpu_s:>8.3f} {gpu_s:>8.3f} {speed:>9}  {verdict:<6}  {text}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
