"""The runner: plan, cell, executors (in-process, isolated worker), deadline, journal, timing."""
