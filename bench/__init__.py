"""The performance benchmark of issue 6 (``make bench``; entry point ``bench/run.py``)."""
