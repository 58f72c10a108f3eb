"""IOPaint's big-lama.pt / anime-manga-big-lama.pt: a traced TorchScript LaMa, added
(read as data, never executed), detected, stored as safetensors and run on the CPU."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from restorer import api, catalog
from tests.support.model_files import lama_weights


@pytest.fixture(autouse=True)
def _fresh_engines():
    from restorer.catalog import registry
    from restorer.models.runtime import model_cache

    registry().refresh()
    yield
    model_cache().clear()
    registry().refresh()


def _photo(size: int) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size]
    return (np.stack([x * 5, y * 4, (x + y) * 3], axis=2) % 256).astype(np.uint8)


class _IOPaintLama(torch.nn.Module):
    """The shape of IOPaint's traced big-lama.pt: forward(image, mask), a `generator`.

    Its traced forward is a stand-in (masking only): the importer reads the archive's
    tensors and never runs its code, and a trace keeps every submodule's tensors, used or
    not (the unused discriminator shows it). Tracing LaMa's real forward took ~20 s; the
    weights are float16 (the real file's are float32: the archive is read the same way).
    """

    def __init__(self) -> None:
        super().__init__()
        from spandrel.architectures.LaMa import LaMa

        with torch.device("meta"):  # no random initialisation: the weights come next
            lama = LaMa(in_nc=4, out_nc=3)
        lama.load_state_dict(lama_weights(), assign=True)  # float16: half the file to move
        self.generator = lama.model
        self.discriminator = torch.nn.Conv2d(3, 4, 3)  # a trainer's part, unused to predict

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return image * (1 - mask)


def test_iopaint_torchscript_lama_is_read_as_data_and_stored_as_safetensors(tmp_path):
    path = tmp_path / "big-lama.pt"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(
            _IOPaintLama().eval(),
            (torch.rand(1, 3, 16, 16), torch.zeros(1, 1, 16, 16)),
            check_trace=False,
        )
        traced.save(str(path))
    del traced

    info = catalog.add_model(path)

    assert (info.architecture, info.purpose, info.file_format) == ("LaMa", "inpaint", "torchscript")
    assert "no code run" in info.conversion and info.source_name == "big-lama.pt"
    assert "kept the generator's tensors, dropped 2" in info.conversion
    stored = load_file(str(info.model_path))
    assert "generator.model.1.bn_l.running_mean" in stored
    for key, value in lama_weights().items():
        assert torch.equal(stored["generator." + key[len("model.") :]], value)
    image = _photo(40)
    mask = np.zeros(image.shape[:2], dtype=bool)
    mask[12:26, 10:30] = True
    result = api.inpaint(image, mask, engine=info.id, device="cpu")
    assert result.shape == image.shape and np.array_equal(result[~mask], image[~mask])
    assert np.abs(result[mask].astype(int) - image[mask]).mean() > 1
