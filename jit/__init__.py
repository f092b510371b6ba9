"""jit: just-in-time access for engineering teams, as a GitOps workflow on GitHub."""

__version__ = "0.1.0"
