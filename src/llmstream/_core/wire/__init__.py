"""Wire formats behind one seam (filled in by the next commits)."""
