"""Committee metrics with charts, for chairs and auditors: cycle times, queue, outcomes, conditions, workload."""
