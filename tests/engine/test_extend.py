"""Extend canvas (outpainting): the Qt-free core and `restorer extend`."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from restorer.generate.extend import (
    Borders,
    ExtendError,
    ExtendJob,
    check_borders,
    extend_canvas,
    new_area,
    seed_border,
)
from restorer.imageio import load_image, save_image
from restorer.progress import Cancelled, Progress
from tests.support.cli import restorer
from tests.support.helpers import gradient_photo


@pytest.mark.parametrize("one_pass", [True, False])
def test_extend_keeps_the_photo_in_place_and_fills_the_border(monkeypatch, one_pass):
    if not one_pass:
        monkeypatch.setattr("restorer.generate.extend.ONE_PASS_PIXELS", 0)  # strips
    image = gradient_photo(40, 50)
    reports: list[float] = []
    result = extend_canvas(
        image,
        top=6,
        bottom=0,
        left=12,
        right=20,
        engine="telea",
        device="cpu",
        progress=Progress(lambda fraction, message, preview: reports.append(fraction)),
    )
    assert result.shape == (46, 82, 3) and result.dtype == np.uint8
    assert np.array_equal(result[6:46, 12:62], image)
    added = new_area((40, 50), Borders(6, 0, 12, 20))
    assert added.sum() == 46 * 82 - 40 * 50
    # The border continues the photo's colours: near each edge it resembles the edge.
    assert np.abs(result[6:46, 61].astype(int) - result[6:46, 62].astype(int)).mean() < 25
    assert np.abs(result[6, 12:62].astype(int) - result[5, 12:62].astype(int)).mean() < 25
    assert reports[-1] == 1.0 and reports == sorted(reports)


def test_the_far_border_is_not_one_smeared_edge_colour():
    image = gradient_photo(64, 64)
    result = extend_canvas(image, right=64, engine="telea", device="cpu")
    # Far from the photo the colours still vary down the column, like the photo does.
    far_column = result[:, -8].astype(float)
    assert far_column.std(axis=0).mean() > 5
    seeded = seed_border(image, Borders(right=64))
    assert np.array_equal(seeded[:, :64], image)


def test_bad_borders_give_readable_errors():
    with pytest.raises(ExtendError, match="Nothing to add"):
        check_borders((10, 10), Borders())
    with pytest.raises(ExtendError, match="left border"):
        check_borders((10, 10), Borders(left=-1))
    with pytest.raises(ExtendError, match="more than"):
        check_borders((10, 10), Borders(top=100_000))
    with pytest.raises(ExtendError, match="megapixels"):
        check_borders((20000, 20000), Borders(right=8000))


def test_extend_job_can_be_cancelled():
    event = threading.Event()
    event.set()
    job = ExtendJob(gradient_photo(20, 20), Borders(right=10), "telea", "cpu")
    with pytest.raises(Cancelled):
        job.run(Progress(cancel_event=event))
    done = ExtendJob(gradient_photo(20, 20), Borders(right=10), "telea", "cpu").run(Progress())
    assert done.pixels.shape == (20, 30, 3) and done.engine_id == "telea"


def test_cli_extend_writes_the_larger_photo(tmp_path):
    image = gradient_photo(30, 40)
    source = save_image(tmp_path / "photo.png", image)
    out = tmp_path / "wide.png"
    result = restorer(
        "extend", source, "--left", "5", "--right", "7", "--top", "3", "--bottom", "2", "-o", out
    )
    assert result.returncode == 0, result.stderr
    extended = load_image(out).rgb
    assert extended.shape == (35, 52, 3)
    assert np.array_equal(extended[3:33, 5:45], image)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--left", "-3"], "left border"),
        ([], "Nothing to add"),
        (["--right", "5", "--engine", "nope"], "No engine called"),
        (["--right", "99999"], "more than"),
    ],
)
def test_cli_extend_bad_input_is_one_line_and_no_file(tmp_path, args, needle):
    source = save_image(tmp_path / "photo.png", gradient_photo(20, 20))
    out = tmp_path / "out.png"
    result = restorer("extend", source, *args, "-o", out)
    assert result.returncode == 2
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_extend_refuses_a_missing_photo(tmp_path):
    out = tmp_path / "out.png"
    result = restorer("extend", tmp_path / "missing.png", "--top", "4", "-o", out)
    assert result.returncode == 2 and not out.exists()
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("borders", [Borders(5, 0, 9, 0), Borders(3, 4, 5, 6), Borders(0, 0, 0, 7)])
def test_the_strips_cover_every_new_pixel_once_and_stay_inside(borders):
    from restorer.generate.extend import strips

    shape = (30, 40)
    height, width = borders.new_size(*shape)
    count = np.zeros((height, width), int)
    for _, crop, fill in strips(shape, borders):
        assert fill == fill.intersect(crop) and crop == crop.clip(height, width)
        count[fill.slices] += 1
    assert np.array_equal(count == 1, new_area(shape, borders))
    assert count.max() == 1


def test_cli_extend_keeps_transparency_and_makes_the_border_opaque(tmp_path):
    image = gradient_photo(20, 24)
    alpha = np.full((20, 24), 128, np.uint8)
    source = save_image(tmp_path / "photo.png", image, alpha=alpha)
    out = tmp_path / "out.png"
    result = restorer("extend", source, "--top", "6", "--left", "4", "-o", out)
    assert result.returncode == 0, result.stderr
    extended = load_image(out)
    assert extended.alpha is not None and extended.alpha.shape == (26, 28)
    assert (extended.alpha[6:, 4:] == 128).all()
    assert (extended.alpha[:6] == 255).all() and (extended.alpha[:, :4] == 255).all()
