"""Deployment: the jsonnet library, its environments and the manifests they render to."""
