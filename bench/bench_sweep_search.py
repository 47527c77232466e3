"""Bayes (Optuna's TPE, through ``runfold.sweeps.propose``) against random search.

    PYTHONPATH=src .venv-test/bin/python bench/bench_sweep_search.py --runs 30 --seeds 10

Needs Optuna (``pip install optuna``); the second problem needs scikit-learn and is
reported as skipped without it. Each method runs ``--runs`` sequential runs per
seed, through the same ``propose`` call an agent makes, and the figure is the best
metric value found, averaged over the seeds:

(a) a noisy 2-D quadratic, minimised: (x - 1.3)² + 2 (y + 0.7)² + N(0, 0.5²),
    x and y uniform in [-5, 5]; also the noise-free value at the best run's point;
(b) an RBF SVC on scikit-learn's digits (600 images), 3-fold cross-validated
    accuracy, maximised over C and gamma (both log-uniform).

Prints a table and emits one ``BENCH_RESULT`` line with the machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from common import emit
from machine import describe
from runfold.sweeps import SweepDefinition, Trial, parse_definition, propose

Objective = Callable[[dict[str, Any], random.Random], tuple[float, float]]

QUADRATIC = {
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "x": {"distribution": "uniform", "min": -5.0, "max": 5.0},
        "y": {"distribution": "uniform", "min": -5.0, "max": 5.0},
    },
}
SVC = {
    "metric": {"name": "cv_accuracy", "goal": "maximize"},
    "parameters": {
        "C": {"distribution": "log_uniform_values", "min": 0.01, "max": 1000.0},
        "gamma": {"distribution": "log_uniform_values", "min": 1e-5, "max": 0.1},
    },
}


def quadratic(params: dict[str, Any], noise: random.Random) -> tuple[float, float]:
    """(observed, noise-free) loss at a point."""
    true = (params["x"] - 1.3) ** 2 + 2 * (params["y"] + 0.7) ** 2
    return true + noise.gauss(0.0, 0.5), true


def svc_objective() -> Objective | None:
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import cross_val_score
        from sklearn.svm import SVC as SupportVectors
    except ImportError:
        return None
    images, labels = load_digits(return_X_y=True)
    images, labels = images[:600] / 16.0, labels[:600]

    def accuracy(params: dict[str, Any], noise: random.Random) -> tuple[float, float]:
        model = SupportVectors(C=params["C"], gamma=params["gamma"])
        score = float(cross_val_score(model, images, labels, cv=3).mean())
        return score, score

    return accuracy


def search(
    definition: dict[str, Any], method: str, objective: Objective, runs: int, seed: int
) -> dict[str, float]:
    """One sweep of ``runs`` runs: the best observed value, the noise-free value at
    that run, and the seconds spent proposing."""
    defn: SweepDefinition = parse_definition({"method": method, **definition})
    assert defn.metric is not None
    sign = 1.0 if defn.metric.goal == "minimize" else -1.0
    noise = random.Random(1000 + seed)  # the same noise for both methods
    trials: list[Trial] = []
    truths: list[float] = []
    proposing = 0.0
    for index in range(runs):
        start = time.perf_counter()
        params = propose(defn, trials, index, seed)
        proposing += time.perf_counter() - start
        assert params is not None
        observed, true = objective(params, noise)
        trials.append(Trial(params, observed, "finished"))
        truths.append(true)
    best = min(range(runs), key=lambda i: sign * (trials[i].value or 0.0))
    return {
        "best": float(trials[best].value or 0.0),
        "true_at_best": truths[best],
        "propose_s": proposing,
    }


def compare(
    name: str,
    definition: dict[str, Any],
    objective: Objective,
    args: argparse.Namespace,
) -> dict[str, Any]:
    out: dict[str, Any] = {"problem": name}
    for method in ("random", "bayes"):
        sweeps = [
            search(definition, method, objective, args.runs, seed)
            for seed in range(args.seeds)
        ]
        best = [s["best"] for s in sweeps]
        out[method] = {
            "best_mean": statistics.fmean(best),
            "best_sd": statistics.stdev(best) if len(best) > 1 else 0.0,
            "true_at_best_mean": statistics.fmean(s["true_at_best"] for s in sweeps),
            "propose_ms_per_run": 1000
            * sum(s["propose_s"] for s in sweeps)
            / (args.runs * args.seeds),
            "per_seed": best,
        }
    sign = 1.0 if definition["metric"]["goal"] == "minimize" else -1.0
    pairs = zip(out["bayes"]["per_seed"], out["random"]["per_seed"], strict=True)
    out["bayes_better_seeds"] = sum(sign * b < sign * r for b, r in pairs)
    out["bayes_beats_random"] = (
        sign * out["bayes"]["best_mean"] < sign * out["random"]["best_mean"]
    )
    return out


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"best value after {args.runs} runs, mean ± sd over {args.seeds} seeds")
    print(
        f"{'problem':<22}{'random':>20}{'bayes':>20}{'bayes better':>14}{'ms/proposal':>13}"
    )
    for r in results:
        if "skipped" in r:
            print(f"{r['problem']:<22}  skipped: {r['skipped']}")
            continue
        random_, bayes = (
            f"{r[m]['best_mean']:.4f} ± {r[m]['best_sd']:.4f}"
            for m in ("random", "bayes")
        )
        wins = f"{r['bayes_better_seeds']}/{args.seeds}"
        ms = r["bayes"]["propose_ms_per_run"]
        print(f"{r['problem']:<22}{random_:>20}{bayes:>20}{wins:>14}{ms:>13.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    machine = describe()
    results = [compare("quadratic 2-D (min)", QUADRATIC, quadratic, args)]
    svc = svc_objective()
    if svc is None:
        results.append({"problem": "svc digits (max)", "skipped": "no scikit-learn"})
    else:
        results.append(compare("svc digits (max)", SVC, svc, args))
    report(results, args)
    emit(
        {"runs": args.runs, "seeds": args.seeds, "machine": machine, "results": results}
    )


if __name__ == "__main__":
    main()
