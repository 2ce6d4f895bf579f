"""Committee mechanics: conflict-of-interest declarations, delegations, reviewer proposals and the
separation-of-duties rules an approval must satisfy."""
