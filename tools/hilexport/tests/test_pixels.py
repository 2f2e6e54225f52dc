"""The exporter reads images with the bench's arithmetic (pixels.py ~ PixelTransform.swift)."""
import os

import numpy as np
import pytest

from hilexport import pixels

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Tests", "DatasetTests", "Fixtures")


def gray(rows):
    return np.array(rows, np.uint8)[:, :, None]


def test_a_whole_ratio_shrink_is_the_rounded_block_mean_with_one_rounding():
    image = gray([[0, 10, 20, 30], [40, 50, 60, 70], [1, 2, 255, 255], [3, 4, 255, 255]])
    assert pixels.resize(image, 2, 2).ravel().tolist() == [25, 45, 3, 255]
    # Rounding once: 0 1 / 0 0 averages 0.25, so 0. Rounding each axis (PIL) gives 0.5 → 1.
    assert pixels.resize(gray([[0, 1], [0, 0]]), 1, 1).item() == 0


def test_a_fractional_shrink_weighs_partly_covered_pixels_by_their_coverage():
    # 3 → 2: [0, 1.5) takes source 0 at 2/3 and source 1 at 1/3; [1.5, 3) the mirror.
    assert pixels.resize(gray([[0, 30, 90]]), 1, 2).ravel().tolist() == [10, 70]
    sources, weights = pixels.taps(3, 2)
    assert sources.tolist() == [[0, 1], [1, 2]]
    assert np.round(weights * 3).tolist() == [[2, 1], [1, 2]]


def test_growing_is_bilinear_with_half_pixel_centres():
    assert pixels.resize(gray([[0, 100]]), 1, 4).ravel().tolist() == [0, 25, 75, 100]
    assert pixels.resize(gray([[0, 100], [100, 200]]), 4, 4)[:, :, 0].tolist() == [
        [0, 25, 75, 100], [25, 50, 100, 125], [75, 100, 150, 175], [100, 125, 175, 200]]


def test_a_flat_image_stays_flat_at_any_ratio():
    for h, w in ((200, 200), (37, 45), (7, 5)):
        flat = np.full((h, w, 3), 173, np.uint8)
        assert (pixels.resize(flat, 32, 32) == 173).all()


@pytest.mark.parametrize("name", ["hand-200x200.jpg", "noise-20x24.png"])
@pytest.mark.parametrize("channels", [3, 1])
def test_the_files_the_bench_checks_against_are_what_this_code_gives(name, channels):
    pytest.importorskip("PIL")
    # Tests/DatasetTests/ExporterParityTests.swift decodes and resizes the same images with the
    # bench's code and expects these bytes: together the two tests tie both sides together.
    got = pixels.load(os.path.join(FIXTURES, name), channels, 32, 32)
    stem = os.path.splitext(name)[0]
    expected = np.fromfile(os.path.join(FIXTURES, f"{stem}-32x32x{channels}.u8"), np.uint8).reshape(32, 32, channels)
    assert (got == expected).all()
