"""Racetrack python3 job wrapper: serves a job class over HTTP using only the standard library.

Run as `python3 -m racetrack_job_wrapper --entrypoint-path FILE --port N` from the job's root folder.
"""
