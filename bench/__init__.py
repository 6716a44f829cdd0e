"""Server-time benchmarks for Waymark's busiest staff pages (`make bench`).

See docs/performance.md for the method, the latest figures and how to reproduce them.
"""
