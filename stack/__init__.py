"""The local stack: the processes the tests and the demo start on loopback.

The Temporal dev server, Prometheus, Alertmanager, the supervision of processes, free ports and
the binaries they run, and the demo that brings the whole pack up. It sits above the parts it
starts; no part imports it.
"""
