"""Face detection and cropping on generated scenes (and the four posed photos when real data is there)."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import pytest

from fer_lib.data.errors import DataError
from fer_lib.data.images import read_image, resize_grey
from fer_lib.data.synthetic import generate_faces
from fer_lib.infer.detect import crop_box, crop_face, detect_faces, find_faces, load_photo, load_photo_rgb

SIDE = 192


@lru_cache(maxsize=1)
def _faces() -> np.ndarray:
    return generate_faces(60, seed=0, occlusion=0.0, label_noise=0.0).images


def synthetic_face(k: int = 0) -> np.ndarray:
    """Synthetic 48x48 face ``k`` (seeded, no occlusion) upscaled to SIDE x SIDE."""
    face = _faces()[k]
    return cv2.resize(face, (SIDE, SIDE), interpolation=cv2.INTER_CUBIC)


def scene(faces=(0,), at=((150, 80),), shape=(360, 480), seed=0) -> np.ndarray:
    """A noisy grey scene with synthetic faces pasted at (x, y)."""
    img = np.random.default_rng(seed).normal(128, 20, shape).clip(0, 255).astype(np.uint8)
    for k, (x, y) in zip(faces, at):
        img[y : y + SIDE, x : x + SIDE] = synthetic_face(k)
    return img


def inside(box, x, y, side=SIDE) -> bool:
    bx, by, bw, bh = box
    cx, cy = bx + bw / 2, by + bh / 2
    return x <= cx <= x + side and y <= cy <= y + side and 0.5 * side <= bw <= 1.2 * side


def test_the_cascade_finds_most_synthetic_faces_where_they_were_pasted():
    found = 0
    for k in range(10):
        boxes = detect_faces(scene((k,), seed=k))
        assert len(boxes) <= 1, f"face {k}: spurious boxes {boxes}"
        if boxes:
            assert inside(boxes[0], 150, 80), f"face {k}: box {boxes[0]} is not on the pasted face"
            found += 1
    assert found >= 6, f"only {found} of 10 cartoon faces detected"


def test_two_faces_come_left_to_right_with_48x48_crops():
    img = scene((1, 0), at=((520, 120), (40, 100)), shape=(480, 760))
    faces = find_faces(img)
    assert [f["box"][0] < 300 for f in faces] == [True, False]
    assert inside(faces[0]["box"], 40, 100) and inside(faces[1]["box"], 520, 120)
    for f in faces:
        assert f["face"].shape == (48, 48) and f["face"].dtype == np.uint8
        assert all(isinstance(v, int) for v in f["box"] + f["crop_box"])


def test_empty_scenes_give_no_faces():
    noise = np.random.default_rng(3).normal(128, 20, (360, 480)).clip(0, 255).astype(np.uint8)
    assert find_faces(noise) == []
    assert find_faces(np.full((300, 300), 200, np.uint8)) == []
    assert find_faces(np.zeros((10, 10), np.uint8)) == []  # smaller than the cascade's window


def test_crop_is_the_box_plus_margin_resized_like_training_data():
    img = scene()
    box = detect_faces(img)[0]
    x, y, s, s2 = crop_box(box, 0.1)
    assert s == s2 == round(max(box[2:]) * 1.2)
    np.testing.assert_array_equal(crop_face(img, box, 0.1), resize_grey(img[y : y + s, x : x + s]))
    # a box at the corner: the crop runs past the edge and repeats the edge pixels
    corner = crop_face(img, [0, 0, 100, 100], 0.2)
    assert corner.shape == (48, 48)
    np.testing.assert_array_equal(corner[0, :4], corner[1, :4])


def test_colour_modes_and_arrays_give_the_same_faces(tmp_path):
    grey = scene()
    rgb = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    rgba = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGBA)
    boxes = detect_faces(grey)
    assert boxes
    for photo in (rgb, rgba, grey.astype(np.float32) / 255.0, grey[..., None]):
        assert [f["box"] for f in find_faces(photo)] == boxes
    cv2.imwrite(str(tmp_path / "colour.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert [f["box"] for f in find_faces(tmp_path / "colour.png")] == boxes
    assert load_photo_rgb(tmp_path / "colour.png").shape == (360, 480, 3)


def test_webp_content_under_a_jpg_name_is_decoded_by_content(tmp_path):
    """Photos and data-set images share the decoder: a WebP under a .jpg name (one posed photo is one) works for both."""
    img = scene()
    ok, webp = cv2.imencode(".webp", img, [cv2.IMWRITE_WEBP_QUALITY, 101])  # lossless
    assert ok
    path = tmp_path / "photo.jpg"
    path.write_bytes(webp.tobytes())
    assert path.read_bytes()[8:12] == b"WEBP"
    np.testing.assert_array_equal(load_photo(path), img)
    faces = find_faces(path)
    assert [f["box"] for f in faces] == detect_faces(img)
    assert load_photo_rgb(path).shape == (360, 480, 3)
    assert read_image(path).shape == (48, 48)  # as a data-set image: resized to 48x48 grey


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\0" * 50])
def test_an_unreadable_file_raises_an_error_naming_it(tmp_path, content):
    path = tmp_path / "broken.jpg"
    path.write_bytes(content)
    with pytest.raises(DataError, match="broken.jpg.*expected an image"):
        read_image(path)
    with pytest.raises(DataError, match="broken.jpg"):
        find_faces(path)
    with pytest.raises(DataError, match="broken.jpg"):
        load_photo_rgb(path)
    with pytest.raises(DataError, match="missing.png"):
        find_faces(tmp_path / "missing.png")


@pytest.mark.realdata
def test_a_face_is_found_in_each_posed_photo(real_data_root):
    import pandas as pd

    folder = real_data_root / "posed"
    labels = pd.read_csv(folder / "labels.csv")
    assert len(labels) == 4
    for name in labels["file"]:
        path = folder / name
        grey = load_photo(path)
        faces = find_faces(path)
        assert len(faces) == 1, f"{name}: {len(faces)} faces"
        x, y, w, h = faces[0]["box"]
        # head-and-shoulders portraits: the face is large and inside the photo
        assert w >= 0.5 * grey.shape[1] and 0 <= x and x + w <= grey.shape[1] and y + h <= grey.shape[0]
        assert faces[0]["face"].shape == (48, 48)
