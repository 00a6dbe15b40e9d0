"""Figures. Plotting reads result tables only, never a live model."""
