"""Re-review: material changes, recurring stages and expired evidence reopen approved stages."""
