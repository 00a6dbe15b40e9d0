"""Experiments: replications of one scenario, paired comparisons, sweeps."""
