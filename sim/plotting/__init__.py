"""Figures and reports. Plotting reads result tables only, never a live model."""
