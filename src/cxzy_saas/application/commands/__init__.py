"""Commands as data: one frozen dataclass per command the API, the pages, the command line and
the demo issue, taken whole by the application method of the same name.

A command carries everything its method needs except who acts (the ``Actor``, given beside
it): what the request body gives and what its URL names (the campaign year, an id). The web
builds one from the body its marshmallow schema loaded, ``FileMeasure(**body)``, or
``ReportMeasure(measure_id=id, **body)``, so that the field names of a command and of its
schema are the same and adding a field touches the dataclass, the schema and the code that
uses it. Commands about a campaign year carry it as ``year``; commands on one aggregate named
by its id (a measure, a record, a ballot) find the year in that aggregate.
"""
