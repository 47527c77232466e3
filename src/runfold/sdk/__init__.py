"""The SDK a training script uses: init, log, finish and friends."""
