"""Image masks, boxes and classes: what was logged comes back."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from runfold.errors import UsageError
from runfold.media import Image, MemoryFiles

LABELS = {0: "background", 1: "cat", 2: "dog"}


def _image() -> np.ndarray:
    return np.zeros((4, 6, 3), dtype=np.uint8)


def _mask() -> np.ndarray:
    mask = np.zeros((4, 6), dtype=np.int64)
    mask[1:3, 2:5] = 1
    mask[3, :] = 2
    return mask


def test_masks_are_png_files_with_their_class_labels() -> None:
    truth = _mask()
    guess = np.ones((4, 6), dtype=np.uint8)
    image = Image(
        _image(),
        masks={
            "ground_truth": {"mask_data": truth, "class_labels": LABELS},
            "predictions": {"mask_data": guess},
        },
    )
    files = MemoryFiles()
    ref = image.to_ref(files)
    masks = ref["masks"]
    assert sorted(masks) == ["ground_truth", "predictions"]
    gt = masks["ground_truth"]
    assert set(gt) == {"_type", "path", "sha256", "size", "format", "class_labels"}
    assert gt["_type"] == "mask" and gt["format"] == "png"
    assert gt["size"] == len(files.read(gt["path"]))
    assert gt["class_labels"] == {"0": "background", "1": "cat", "2": "dog"}
    decoded = np.asarray(PILImage.open(io.BytesIO(files.read(gt["path"]))))
    np.testing.assert_array_equal(decoded, truth)
    # without labels, each class id present gets W&B's default name
    assert masks["predictions"]["class_labels"] == {"1": "class_1"}
    decoded = np.asarray(
        PILImage.open(io.BytesIO(files.read(masks["predictions"]["path"])))
    )
    np.testing.assert_array_equal(decoded, guess)
    assert len(files.files) == 3  # the image and two masks


def test_a_mask_must_match_the_image() -> None:
    with pytest.raises(UsageError, match=r"shape \(4, 5\) but the image is 4x6"):
        Image(_image(), masks={"m": {"mask_data": np.zeros((4, 5), dtype=int)}})
    with pytest.raises(UsageError, match="must be 2-D"):
        Image(_image(), masks={"m": {"mask_data": np.zeros((4, 6, 1), dtype=int)}})
    with pytest.raises(UsageError, match="integer class ids"):
        Image(_image(), masks={"m": {"mask_data": np.full((4, 6), 0.5)}})
    with pytest.raises(UsageError, match=r"0\.\.255; got -1\.\.300"):
        values = np.full((4, 6), 300)
        values[0, 0] = -1
        Image(_image(), masks={"m": {"mask_data": values}})
    with pytest.raises(UsageError, match="'mask_data'"):
        Image(_image(), masks={"m": {"class_labels": LABELS}})
    with pytest.raises(UsageError, match="class_labels keys are integer"):
        Image(_image(), masks={"m": {"mask_data": _mask(), "class_labels": {"x": "a"}}})


def test_boxes_round_trip_inline() -> None:
    box_data = [
        {
            "position": {"minX": 0.1, "minY": 0.2, "maxX": 0.5, "maxY": 0.9},
            "class_id": 1,
            "box_caption": "cat 0.93",
            "scores": {"confidence": np.float32(0.5)},
        },
        {
            "position": {"middle": [3, 2], "width": 2, "height": np.int64(1)},
            "domain": "pixel",
            "class_id": np.int64(2),
        },
    ]
    image = Image(
        _image(),
        boxes={"predictions": {"box_data": box_data, "class_labels": LABELS}},
    )
    ref = image.to_ref(MemoryFiles())
    assert ref["boxes"] == {
        "predictions": {
            "_type": "boxes2D",
            "box_data": [
                {
                    "position": {"minX": 0.1, "minY": 0.2, "maxX": 0.5, "maxY": 0.9},
                    "class_id": 1,
                    "box_caption": "cat 0.93",
                    "scores": {"confidence": 0.5},
                },
                {
                    "position": {"middle": [3, 2], "width": 2, "height": 1},
                    "domain": "pixel",
                    "class_id": 2,
                },
            ],
            "class_labels": {"0": "background", "1": "cat", "2": "dog"},
        }
    }
    # plain Python values, so the reference is JSON and msgpack as it is
    box = ref["boxes"]["predictions"]["box_data"][1]
    assert type(box["class_id"]) is int and type(box["position"]["height"]) is int


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ({"position": {"minX": 0, "minY": 0}}, "position takes minX"),
        (
            {"position": {"minX": 0, "minY": 0, "maxX": float("nan"), "maxY": 1}},
            "finite",
        ),
        ({"position": {"middle": [1], "width": 1, "height": 1}}, r"middle is \[x, y\]"),
        ({"position": {"minX": 0, "minY": 0, "maxX": 1, "maxY": "1"}}, "a number"),
        (
            {"position": {"middle": [1, 1], "width": 1, "height": 1}, "domain": "px"},
            "domain",
        ),
        (
            {"position": {"middle": [1, 1], "width": 1, "height": 1}, "class_id": 1.5},
            "integer",
        ),
        ({"box": 1}, "'position'"),
    ],
)
def test_bad_boxes_say_what_is_wrong(box: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Image(_image(), boxes={"p": {"box_data": [box]}})


def test_boxes_need_a_box_data_list() -> None:
    with pytest.raises(UsageError, match="'box_data' list"):
        Image(_image(), boxes={"p": {"class_labels": LABELS}})
    with pytest.raises(UsageError, match="takes {name"):
        Image(_image(), boxes=[1, 2])


def test_classes_are_kept_inline() -> None:
    image = Image(
        _image(), classes=[{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
    )
    ref = image.to_ref(MemoryFiles())
    assert ref["classes"] == [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
    with pytest.raises(UsageError, match="list of {'id': int, 'name': str}"):
        Image(_image(), classes={"cat": 1})
