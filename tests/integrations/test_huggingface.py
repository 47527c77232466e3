"""Hugging Face transformers: RunfoldCallback records a Trainer's config, its train
and eval logs against train/global_step, and the summary at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import runfold

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (pip install torch)"
)
transformers = pytest.importorskip(
    "transformers", reason="transformers is not installed (pip install transformers)"
)
pytest.importorskip(
    "accelerate", reason="Trainer needs accelerate (pip install accelerate)"
)
from runfold.integration.huggingface import RunfoldCallback, rewrite_logs  # noqa: E402


class Tokens(torch.utils.data.Dataset):
    """16 random 8-token sequences with alternating labels."""

    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> dict[str, Any]:
        generator = torch.Generator().manual_seed(i)
        ids = torch.randint(0, 50, (8,), generator=generator)
        return {"input_ids": ids, "labels": torch.tensor(i % 2)}


def _trainer(tmp_path: Path, callback: RunfoldCallback, **args: Any) -> Any:
    """A tiny randomly initialised BERT (never downloaded), 8 steps of 4."""
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=16, num_labels=2,
    )  # fmt: skip
    model = transformers.BertForSequenceClassification(config)
    training = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), per_device_train_batch_size=4,
        num_train_epochs=2, logging_steps=1, eval_strategy="steps", eval_steps=2,
        report_to="none", use_cpu=True, disable_tqdm=True,
        **{"save_strategy": "no", **args},
    )  # fmt: skip
    return transformers.Trainer(
        model=model, args=training, train_dataset=Tokens(), eval_dataset=Tokens(),
        callbacks=[callback],
    )  # fmt: skip


def test_trainer_logs_config_metrics_and_summary(
    api: runfold.Api, tmp_path: Path
) -> None:
    trainer = _trainer(tmp_path, RunfoldCallback(), run_name="tiny-bert")
    trainer.train()
    run = runfold.run
    assert run is not None
    run.finish()
    [stored] = api.runs("huggingface")  # W&B's default project for the Trainer
    assert stored.name == "tiny-bert"
    assert stored.config["hidden_size"] == 16  # the model's config
    assert stored.config["learning_rate"] == trainer.args.learning_rate
    assert stored.config["per_device_train_batch_size"] == 4
    assert stored.config["model/num_parameters"] == trainer.model.num_parameters()
    # every log of the Trainer, W&B's names, at its global step
    logged = [
        entry for entry in trainer.state.log_history if "train_runtime" not in entry
    ]
    expected: dict[int, dict[str, Any]] = {}
    for entry in logged:
        step = entry["step"]
        row = rewrite_logs({k: v for k, v in entry.items() if k != "step"})
        expected.setdefault(step, {"train/global_step": step}).update(row)
    rows = {r.pop("_step"): r for r in stored.history()}
    for row in rows.values():
        row.pop("_timestamp")
    assert rows == {
        step: pytest.approx(row) for step, row in expected.items()
    }  # train and eval logs of one step share its row
    assert sorted(k for r in rows.values() for k in r if k.startswith("eval/")) != []
    end = trainer.state.log_history[-1]
    for key in ("train_runtime", "train_loss", "train_steps_per_second", "total_flos"):
        assert stored.summary[key] == pytest.approx(end[key])
    assert stored.summary["train/global_step"] == 8


def test_log_model_end_keeps_the_model_and_the_current_run_is_used(
    api: runfold.Api, tmp_path: Path
) -> None:
    run = runfold.init(project="hf", config={"dataset": "tokens"})
    trainer = _trainer(tmp_path, RunfoldCallback(log_model="end", watch="gradients"))
    trainer.train()
    run.finish()
    stored = api.run(f"hf/{run.id}")
    assert stored.config["dataset"] == "tokens" and stored.config["hidden_size"] == 16
    assert [h["_step"] for h in stored.histograms("gradients/classifier.weight")] == [0]
    model = run.dir / "files" / "model"
    assert (model / "config.json").exists() and (model / "model.safetensors").exists()
    loaded = transformers.BertForSequenceClassification.from_pretrained(model)
    assert loaded.num_parameters() == trainer.model.num_parameters()


def test_bad_options_are_refused() -> None:
    with pytest.raises(runfold.UsageError, match="watch='weights'"):
        RunfoldCallback(watch="weights")
    with pytest.raises(runfold.UsageError, match="log_model='always'"):
        RunfoldCallback(log_model="always")


def test_log_model_checkpoint_keeps_each_checkpoint_folder(tmp_path: Path) -> None:
    trainer = _trainer(
        tmp_path, RunfoldCallback(log_model="checkpoint"), save_strategy="steps",
        save_steps=4,
    )  # fmt: skip
    trainer.train()
    run = runfold.run
    assert run is not None
    run.finish()
    files = run.dir / "files"
    assert sorted(p.name for p in files.glob("checkpoint-*")) == [
        "checkpoint-4",
        "checkpoint-8",
    ]
    assert (files / "checkpoint-8" / "trainer_state.json").exists()
