"""A labelled corpus of official pages with their expected facts and change events."""
