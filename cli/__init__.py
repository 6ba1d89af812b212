"""The ``dsgen`` command line: parses arguments and calls the public API."""
