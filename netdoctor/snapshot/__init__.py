"""Reading snapshot bundles and the typed, cached views checks share."""
