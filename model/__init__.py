"""The core model every other package builds on; it imports none of them.

* :mod:`model.facts`: :class:`~model.facts.Fact`, what a page states;
* :mod:`model.changes`: :class:`~model.changes.Change`, one fact-level change
  event, and its one (de)serialisation;
* :mod:`model.kinds`: the registry of fact kinds (value shape, comparison,
  diff notes, wording);
* :mod:`model.outcomes`: ``Unchanged | Changed | Failed``;
* :mod:`model.errors`: the one exception tree;
* :mod:`model.clock`, :mod:`model.timefmt`, :mod:`model.http`: time, the one
  timestamp format, ``Retry-After`` and URL rules shared by fetching and alerting.
"""
