"""factwatch: store."""
