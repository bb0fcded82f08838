"""The ``crosswalk`` command line: parse, call services, format. Nothing else lives here."""
