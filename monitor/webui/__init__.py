"""The web UI, the JSON API and the Atom feeds (``factwatch web``, ``run --http``).

Import :func:`monitor.webui.app.create_app` only where a server starts:
FastAPI is not loaded when the command line starts.
"""
