"""Training: the driver that runs epochs on worker threads, and the two corpus feeders.

Nothing is imported here, so that the compiled feeders can be imported on their own.
"""
