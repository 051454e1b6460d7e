"""factwatch: monitor."""
