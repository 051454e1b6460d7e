"""factwatch: alerts."""
