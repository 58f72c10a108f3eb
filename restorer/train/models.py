"""The networks the studio trains, all in layouts spandrel detects, so a trained model
is an ordinary model file (it loads in Restorer's models folder and in chaiNNer).

- `compact`: RealESRGAN Compact (SRVGGNetCompact) at scale 1, a light clean-up filter
  (spandrel reports it as a "Restoration" model).
- `lama`: LaMa's fast-Fourier-convolution generator. spandrel's LaMa architecture always
  builds big-lama's shape (64 base channels, 18 residual blocks, 51 M parameters) and does
  not read a width from the weights, so a reduced-width generator would be refused. The
  studio therefore trains the reduced generator (fewer channels and blocks, spandrel's own
  `FFCResNetGenerator`) and writes it *embedded* in big-lama's layout: its channels fill
  the first slots of each layer, every other weight is zero and the unused residual blocks
  are zero (a residual block whose branch gives zero is the identity). The file then
  computes exactly the reduced network, but it is big-lama-sized (float16, ~100 MB) and
  runs at big-lama's speed. With `--from` an existing LaMa model is fine-tuned at full width.
"""

from __future__ import annotations

import torch
from torch import nn

from restorer.train.arches import (
    ARCHES,
    DEFAULT_ARCH,
    FULL_LAMA_BLOCKS,
    FULL_LAMA_WIDTH,
    ModelBuildError,
    arch_size,
)

_DOWNSAMPLINGS = 3

__all__ = ["ARCHES", "DEFAULT_ARCH", "ModelBuildError", "arch_size"]


class SmallLaMa(nn.Module):
    """LaMa's generator at a chosen width and depth, with spandrel's LaMa wrapper: the
    hole is blanked, the network sees picture + mask, and only the hole is replaced."""

    def __init__(self, width: int, blocks: int) -> None:
        super().__init__()
        from spandrel.architectures.LaMa.__arch.LaMa import FFCResNetGenerator

        self.width, self.blocks = width, blocks
        self.model = FFCResNetGenerator(4, 3, ngf=width, n_blocks=blocks)

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        masked = image * (1 - mask)
        filled = self.model(masked, mask)
        return mask * filled + (1 - mask) * image


def build_network(task: str, arch: str, size: str) -> nn.Module:
    """A freshly initialised network (training mode)."""
    shape = arch_size(task, arch, size)
    if arch == "compact":
        from spandrel.architectures.Compact import Compact

        network = Compact(
            num_in_ch=3, num_out_ch=3, num_feat=shape.width, num_conv=shape.depth, upscale=1
        )
        # Compact adds its output to the input: a last layer near zero makes the untrained
        # filter (almost) the identity, so training starts from the damaged photo instead
        # of from something worse, and the early steps go to removing damage.
        last = network.body[-1]
        with torch.no_grad():
            last.weight.mul_(0.01)
            last.bias.zero_()
        return network
    return SmallLaMa(shape.width, shape.depth)


def run_network(network: nn.Module, degraded: torch.Tensor, mask: torch.Tensor | None):
    """Run a studio network on a batch in [0, 1] (the mask only for inpainting)."""
    if isinstance(network, SmallLaMa):
        return network(degraded, mask)
    return network(degraded)


# -- writing a model file ---------------------------------------------------------------


def export_weights(network: nn.Module) -> dict[str, torch.Tensor]:
    """The weights to write as a model file, in a layout spandrel detects."""
    state = {k: v.detach().float().cpu().contiguous() for k, v in network.state_dict().items()}
    if isinstance(network, SmallLaMa):
        return embed_in_big_lama(state, network.width, network.blocks)
    return state


def _big_lama_template() -> dict[str, torch.Size]:
    from spandrel.architectures.LaMa import LaMa

    with torch.device("meta"):
        template = LaMa(in_nc=4, out_nc=3)
    return {k: v.shape for k, v in template.state_dict().items()}


def _full_index(index: int, blocks: int) -> int:
    """Where module `index` of a generator with `blocks` residual blocks sits in big-lama."""
    first_after_blocks = 2 + _DOWNSAMPLINGS + blocks
    return index if index < first_after_blocks else index + FULL_LAMA_BLOCKS - blocks


def embed_in_big_lama(
    state: dict[str, torch.Tensor], width: int, blocks: int
) -> dict[str, torch.Tensor]:
    """big-lama-shaped float16 weights computing exactly the reduced generator `state`.

    Each tensor goes into the leading corner of its big-lama counterpart; the rest is
    zero (batch norms: weight and bias 0, variance 1, so padded channels stay 0). Only
    the first up-convolution needs care: its input is [local | global] channels, and the
    local part is wider in big-lama, so the global channels move up."""
    if blocks > FULL_LAMA_BLOCKS or width > FULL_LAMA_WIDTH:
        raise ModelBuildError("The generator is larger than big-lama; it cannot be embedded.")
    shapes = _big_lama_template()
    full = {
        key: (torch.ones(shape) if key.endswith("running_var") else torch.zeros(shape))
        for key, shape in shapes.items()
    }
    bottleneck = width * 2**_DOWNSAMPLINGS
    small_local = bottleneck - int(bottleneck * 0.75)
    full_bottleneck = FULL_LAMA_WIDTH * 2**_DOWNSAMPLINGS
    full_local = full_bottleneck - int(full_bottleneck * 0.75)
    first_up = 2 + _DOWNSAMPLINGS + blocks + 1
    for key, value in state.items():
        prefix, index, rest = key.split(".", 2)  # "model", "model.N..." → model, model, N...
        number, _, rest = rest.partition(".")
        target_key = f"{prefix}.{index}.{_full_index(int(number), blocks)}.{rest}"
        if target_key not in full:
            raise ModelBuildError(f"No place for {key} in big-lama's layout.")
        target = full[target_key]
        if value.dim() == 0:
            target.copy_(value)
            continue
        if int(number) == first_up and rest == "weight":
            target[:small_local, : value.shape[1]] = value[:small_local]
            global_count = value.shape[0] - small_local
            target[full_local : full_local + global_count, : value.shape[1]] = value[small_local:]
            continue
        target[tuple(slice(0, n) for n in value.shape)] = value
    return {k: v.half().contiguous() for k, v in full.items()}


def load_lama_for_finetuning(weights: dict[str, torch.Tensor]) -> SmallLaMa:
    """A full-width `SmallLaMa` holding big-lama weights (e.g. a model from the folder)."""
    network = SmallLaMa(FULL_LAMA_WIDTH, FULL_LAMA_BLOCKS)
    renamed = {k.replace("generator.model", "model.model"): v for k, v in weights.items()}
    try:
        network.load_state_dict({k: v.float() for k, v in renamed.items()})
    except RuntimeError as exc:
        raise ModelBuildError(f"These weights are not a big-lama generator: {exc}") from exc
    return network
