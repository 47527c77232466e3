"""runfold.Audio and runfold.Video: samples and frames come back as logged."""

from __future__ import annotations

import io
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageSequence

from runfold.errors import UsageError
from runfold.media import Audio, MemoryFiles, Video

RATE = 8000


def _wav(data: bytes) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(io.BytesIO(data)) as reader:
        params = reader.getparams()
        frames = reader.readframes(params.nframes)
    samples = np.frombuffer(frames, dtype="<i2").reshape(-1, params.nchannels)
    return params, samples


def test_float_samples_round_trip_within_16_bit_quantisation() -> None:
    t = np.arange(RATE // 2) / RATE
    samples = 0.8 * np.sin(2 * np.pi * 440 * t)
    files = MemoryFiles()
    ref = Audio(samples, sample_rate=RATE, caption="a4").to_ref(files)
    data = files.read(ref["path"])
    assert ref == {
        "_type": "audio-file",
        "path": ref["path"],
        "sha256": ref["sha256"],
        "size": len(data),
        "sample_rate": RATE,
        "duration": 0.5,
        "caption": "a4",
    }
    assert ref["path"].startswith("media/audio/") and ref["path"].endswith(".wav")
    params, decoded = _wav(data)
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, RATE)
    np.testing.assert_allclose(decoded[:, 0] / 32767, samples, atol=1 / 32767)


def test_stereo_in_either_layout_and_int16_exactly() -> None:
    stereo = np.random.default_rng(0).integers(-32768, 32767, (1000, 2), dtype=np.int16)
    for layout in (stereo, stereo.T):
        files = MemoryFiles()
        ref = Audio(layout, sample_rate=RATE).to_ref(files)
        params, decoded = _wav(files.read(ref["path"]))
        assert params.nchannels == 2
        np.testing.assert_array_equal(decoded, stereo)
    files = MemoryFiles()
    ref = Audio(np.array([2.0, -2.0, 0.5]), sample_rate=RATE).to_ref(files)
    assert _wav(files.read(ref["path"]))[1][:, 0].tolist() == [32767, -32767, 16384]


def test_audio_arrays_are_checked() -> None:
    with pytest.raises(UsageError, match=r"sample_rate=16000"):
        Audio(np.zeros(10))
    with pytest.raises(UsageError, match="positive integer"):
        Audio(np.zeros(10), sample_rate=-5)
    with pytest.raises(UsageError, match="positive integer"):
        Audio(np.zeros(10), sample_rate="fast")
    with pytest.raises(UsageError, match="NaN or infinite"):
        Audio(np.array([0.0, np.nan]), sample_rate=RATE)
    with pytest.raises(UsageError, match=r"got shape \(2, 2, 2\)"):
        Audio(np.zeros((2, 2, 2)), sample_rate=RATE)
    with pytest.raises(UsageError, match="no samples"):
        Audio(np.zeros(0), sample_rate=RATE)
    with pytest.raises(UsageError, match="outside the int16 range"):
        Audio(np.array([100_000]), sample_rate=RATE)
    with pytest.raises(UsageError, match="got a dict; it takes a NumPy array"):
        Audio({"a": 1}, sample_rate=RATE)


def test_audio_files_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(np.zeros(RATE * 2, dtype="<i2").tobytes())
    files = MemoryFiles()
    ref = Audio(str(path)).to_ref(files)
    assert files.read(ref["path"]) == path.read_bytes()
    assert (ref["sample_rate"], ref["duration"]) == (RATE, 2.0)
    mp3 = tmp_path / "song.mp3"
    mp3.write_bytes(b"ID3 not really an mp3")
    ref = Audio(mp3, sample_rate=44100).to_ref(files)
    assert ref["path"].endswith(".mp3") and files.read(ref["path"]) == mp3.read_bytes()
    assert (ref["sample_rate"], ref["duration"]) == (44100, None)
    with pytest.raises(UsageError, match="wav, mp3, ogg, flac"):
        Audio(tmp_path / "song.aiff")


def _video(t: int = 5, c: int = 3, h: int = 6, w: int = 8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (t, c, h, w), dtype=np.uint8)


def _gif_frames(data: bytes) -> list[np.ndarray]:
    gif = PILImage.open(io.BytesIO(data))
    return [np.asarray(f.convert("L")) for f in ImageSequence.Iterator(gif)]


def test_gif_has_the_videos_frames_and_size() -> None:
    files = MemoryFiles()
    ref = Video(_video(), fps=10, caption="rollout").to_ref(files)
    data = files.read(ref["path"])
    assert ref == {
        "_type": "video-file",
        "path": ref["path"],
        "sha256": ref["sha256"],
        "size": len(data),
        "format": "gif",
        "width": 8,
        "height": 6,
        "fps": 10,
        "frames": 5,
        "caption": "rollout",
    }
    gif = PILImage.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.size == (8, 6) and gif.n_frames == 5
    assert gif.info["duration"] == 100


def test_grey_frames_are_exact_and_a_batch_is_tiled() -> None:
    grey = _video(t=3, c=1)
    files = MemoryFiles()
    frames = _gif_frames(files.read(Video(grey).to_ref(files)["path"]))
    np.testing.assert_array_equal(np.stack(frames), grey[:, 0])
    batch = np.stack([_video(t=3, c=1, seed=s) for s in range(3)])  # 3 -> 2x2 grid
    ref = Video(batch).to_ref(files)
    assert (ref["width"], ref["height"], ref["frames"]) == (16, 12, 3)
    frames = _gif_frames(files.read(ref["path"]))
    np.testing.assert_array_equal(frames[1][:6, :8], batch[0, 1, 0])
    np.testing.assert_array_equal(frames[1][:6, 8:], batch[1, 1, 0])
    np.testing.assert_array_equal(frames[1][6:, :8], batch[2, 1, 0])
    assert not frames[1][6:, 8:].any()  # the padding video is black


def test_mp4_and_webm_are_written(tmp_path: Path) -> None:
    import imageio_ffmpeg

    files = MemoryFiles()
    ref = Video(_video(t=6, h=7, w=9), fps=3, format="mp4").to_ref(files)
    data = files.read(ref["path"])
    assert ref["path"].endswith(".mp4") and data[4:8] == b"ftyp"
    assert (ref["width"], ref["height"], ref["format"]) == (10, 8, "mp4")
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    assert imageio_ffmpeg.count_frames_and_secs(str(path)) == (6, 2.0)
    ref = Video(_video(t=2), format="webm").to_ref(files)
    assert files.read(ref["path"]).startswith(b"\x1a\x45\xdf\xa3")


def test_without_imageio_mp4_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "imageio", None)
    with pytest.raises(
        UsageError,
        match=r'needs imageio imageio-ffmpeg: pip install "runfold\[media\]" '
        r'\(or pip install imageio imageio-ffmpeg\), or use format="gif"\.',
    ):
        Video(_video(), format="mp4")
    Video(_video())  # gif needs only Pillow


def test_video_arrays_are_checked() -> None:
    with pytest.raises(
        UsageError, match=r"1, 3 or 4 channels; got shape \(5, 6, 8, 3\)"
    ):
        Video(np.zeros((5, 6, 8, 3), dtype=np.uint8))
    with pytest.raises(UsageError, match="got shape"):
        Video(np.zeros((6, 8), dtype=np.uint8))
    bad = _video().astype(float)
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(UsageError, match="Video has 1 NaN"):
        Video(bad)
    with pytest.raises(UsageError, match="format='avi'.*gif, mp4, webm"):
        Video(_video(), format="avi")
    with pytest.raises(UsageError, match="fps must be a number above 0"):
        Video(_video(), fps=0)
    with pytest.raises(UsageError, match="got a float.*path to a gif/mp4"):
        Video(3.5)


def test_video_files_are_kept(tmp_path: Path) -> None:
    files = MemoryFiles()
    gif = files.read(Video(_video(t=4)).to_ref(files)["path"])
    path = tmp_path / "clip.gif"
    path.write_bytes(gif)
    ref = Video(path).to_ref(files)
    assert files.read(ref["path"]) == gif
    assert (ref["width"], ref["height"], ref["format"]) == (8, 6, "gif")
    assert "fps" not in ref
    mp4 = tmp_path / "clip.mp4"
    mp4.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    ref = Video(str(mp4)).to_ref(files)
    assert ref["path"].endswith(".mp4") and ref["width"] is None
