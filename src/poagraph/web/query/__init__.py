"""Running queries, apart from the web: the worker pool (executor.py) and the worker process
(worker.py), what a worker does with a query (results.py), the result cache (cache.py) and
the service a web process keeps (service.py). No Flask here: the workers import this.
"""
