"""runfold.Image: the pixels a reader decodes are the pixels logged."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

from runfold.errors import UsageError
from runfold.media import Image, MemoryFiles


def _logged(image: Image) -> tuple[dict[str, Any], MemoryFiles]:
    files = MemoryFiles()
    return image.to_ref(files), files


def _pixels(files: MemoryFiles, path: str) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(files.read(path))))


def _rgb(h: int = 6, w: int = 5) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


class FakeTensor:
    """What Image sees of a torch tensor: .detach().cpu().numpy()."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def detach(self) -> FakeTensor:
        return self

    def cpu(self) -> FakeTensor:
        return self

    def numpy(self) -> np.ndarray:
        return self.array


def test_uint8_hwc_pixels_and_the_reference() -> None:
    pixels = _rgb()
    ref, files = _logged(Image(pixels, caption="a cat", grouping=2))
    data = files.read(ref["path"])
    assert ref == {
        "_type": "image-file",
        "path": f"media/images/{hashlib.sha256(data).hexdigest()[:32]}.png",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "format": "png",
        "width": 5,
        "height": 6,
        "caption": "a cat",
        "grouping": 2,
    }
    assert data.startswith(b"\x89PNG")
    np.testing.assert_array_equal(_pixels(files, ref["path"]), pixels)


def test_grey_rgba_and_single_channel_layouts() -> None:
    grey = _rgb()[..., 0]
    ref, files = _logged(Image(grey))
    np.testing.assert_array_equal(_pixels(files, ref["path"]), grey)
    rgba = np.random.default_rng(1).integers(0, 256, (3, 4, 4), dtype=np.uint8)
    ref, files = _logged(Image(rgba))
    assert PILImage.open(io.BytesIO(files.read(ref["path"]))).mode == "RGBA"
    np.testing.assert_array_equal(_pixels(files, ref["path"]), rgba)
    ref, files = _logged(Image(grey[..., None]))
    np.testing.assert_array_equal(_pixels(files, ref["path"]), grey)


def test_chw_arrays_are_transposed() -> None:
    hwc = _rgb(7, 9)
    ref, files = _logged(Image(hwc.transpose(2, 0, 1)))
    assert (ref["width"], ref["height"]) == (9, 7)
    np.testing.assert_array_equal(_pixels(files, ref["path"]), hwc)


def test_a_tensor_is_read_as_chw_even_where_hwc_would_fit() -> None:
    chw = np.random.default_rng(2).integers(0, 256, (3, 4, 3), dtype=np.uint8)
    ref, files = _logged(Image(FakeTensor(chw)))
    np.testing.assert_array_equal(_pixels(files, ref["path"]), chw.transpose(1, 2, 0))
    ref, files = _logged(Image(chw))  # a NumPy array of that shape is HWC
    np.testing.assert_array_equal(_pixels(files, ref["path"]), chw)


def test_floats_in_0_1_are_scaled_to_0_255() -> None:
    floats = np.random.default_rng(3).random((4, 6, 3))
    ref, files = _logged(Image(floats))
    expected = np.rint(floats * 255).astype(np.uint8)
    np.testing.assert_array_equal(_pixels(files, ref["path"]), expected)
    chw = floats.transpose(2, 0, 1).astype(np.float32)
    ref, files = _logged(Image(chw))
    np.testing.assert_array_equal(
        _pixels(files, ref["path"]), np.rint(chw.transpose(1, 2, 0) * 255)
    )


def test_other_ranges_follow_wandb() -> None:
    signed = np.array([[-1.0, 0.0, 1.0]])
    ref, files = _logged(Image(signed))
    assert _pixels(files, ref["path"]).tolist() == [[0, 128, 255]]
    wide = np.array([[-5.0, 100.0, 300.0]])
    ref, files = _logged(Image(wide))
    assert _pixels(files, ref["path"]).tolist() == [[0, 100, 255]]
    ints = np.array([[-3, 7, 1000]], dtype=np.int64)
    ref, files = _logged(Image(ints))
    assert _pixels(files, ref["path"]).tolist() == [[0, 7, 255]]
    ref, files = _logged(Image(np.array([[0.2, 1.0]]), normalize=False))
    assert _pixels(files, ref["path"]).tolist() == [[0, 1]]
    ref, files = _logged(Image(np.array([[True, False]])))
    assert _pixels(files, ref["path"]).tolist() == [[255, 0]]


def test_nan_and_infinite_pixels_are_refused_with_a_fix() -> None:
    bad = np.random.default_rng(4).random((4, 4))
    bad[0, 0] = np.nan
    bad[1, 1] = np.nan
    with pytest.raises(UsageError, match=r"2 NaN and 0 infinite.*nan_to_num"):
        Image(bad)
    bad[0, 0] = np.inf
    with pytest.raises(UsageError, match="1 NaN and 1 infinite"):
        Image(bad)


def test_wrong_shapes_say_what_an_image_is() -> None:
    with pytest.raises(UsageError, match=r"4-D array of shape \(2, 4, 4, 3\).*list"):
        Image(np.zeros((2, 4, 4, 3), dtype=np.uint8))
    with pytest.raises(UsageError, match=r"shape \(5, 6, 7\).*channels"):
        Image(np.zeros((5, 6, 7), dtype=np.uint8))
    with pytest.raises(UsageError, match="1-D array"):
        Image(np.zeros(5))
    with pytest.raises(UsageError, match="empty array"):
        Image(np.zeros((0, 4)))
    with pytest.raises(UsageError, match="dtype <U1"):
        Image(np.array([["a"]]))


def test_unsupported_values_list_what_is_supported() -> None:
    with pytest.raises(UsageError, match=r"got a dict; it takes a NumPy array.*PIL"):
        Image({"a": 1})
    with pytest.raises(UsageError, match="file_type='tga'.*png, jpg"):
        Image(_rgb(), file_type="tga")


def test_the_same_pixels_are_one_file() -> None:
    files = MemoryFiles()
    first = Image(_rgb()).to_ref(files)
    second = Image(_rgb().copy(), caption="again").to_ref(files)
    assert first["path"] == second["path"] and len(files.files) == 1
    Image(_rgb(6, 6)).to_ref(files)
    assert len(files.files) == 2


def test_the_pixels_are_copied_when_the_image_is_made() -> None:
    buffer = _rgb()
    image = Image(buffer)
    expected = buffer.copy()
    buffer[:] = 0
    ref, files = _logged(image)
    np.testing.assert_array_equal(_pixels(files, ref["path"]), expected)


def test_pil_images_and_modes() -> None:
    pixels = _rgb()
    ref, files = _logged(Image(PILImage.fromarray(pixels)))
    np.testing.assert_array_equal(_pixels(files, ref["path"]), pixels)
    ref, files = _logged(Image(pixels, mode="L"))
    grey = np.asarray(PILImage.fromarray(pixels).convert("L"))
    np.testing.assert_array_equal(_pixels(files, ref["path"]), grey)


def test_jpeg_file_type() -> None:
    ref, files = _logged(Image(_rgb(), file_type="jpg"))
    assert ref["format"] == "jpg" and ref["path"].endswith(".jpg")
    assert files.read(ref["path"]).startswith(b"\xff\xd8")


def test_files_are_kept_as_their_bytes(tmp_path: Path) -> None:
    pixels = _rgb()
    for suffix, fmt in (("png", "PNG"), ("jpg", "JPEG"), ("gif", "GIF")):
        path = tmp_path / f"a.{suffix}"
        PILImage.fromarray(pixels).save(path, format=fmt)
        ref, files = _logged(Image(str(path)))
        assert files.read(ref["path"]) == path.read_bytes()
        assert (ref["format"], ref["width"], ref["height"]) == (suffix, 5, 6)
    bmp = tmp_path / "a.bmp"
    PILImage.fromarray(pixels).save(bmp)
    ref, files = _logged(Image(bmp))
    assert ref["format"] == "png"
    np.testing.assert_array_equal(_pixels(files, ref["path"]), pixels)


def test_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        Image(str(tmp_path / "missing.png"))
    with pytest.raises(UsageError, match="file types it takes are png, jpg"):
        Image(str(tmp_path / "notes.txt"))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(UsageError, match="could not read this png"):
        Image(broken)


def test_matplotlib_figure_is_a_png_of_the_figures_size() -> None:
    import matplotlib
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 3), dpi=50)
    figure.add_subplot().plot([0, 1, 2], [1, 0, 1])
    with matplotlib.rc_context({"savefig.bbox": "tight"}):
        ref, files = _logged(Image(figure))
    width, height = (figure.get_size_inches() * figure.dpi).round().astype(int)
    assert (width, height) == (200, 150)
    assert (ref["width"], ref["height"], ref["format"]) == (200, 150, "png")
    decoded = PILImage.open(io.BytesIO(files.read(ref["path"])))
    assert decoded.size == (200, 150)
    # something was drawn: not a single colour
    assert len(np.unique(np.asarray(decoded).reshape(-1, 4), axis=0)) > 1
