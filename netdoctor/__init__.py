"""netdoctor: diagnose Amazon EKS pod networking from a snapshot bundle or a live cluster."""

__version__ = "0.1.0"
