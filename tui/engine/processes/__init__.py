"""Simulated processes: fork copying, multiprocessing's Process, IPC, Pool, managers and the process executor."""
