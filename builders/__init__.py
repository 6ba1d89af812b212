"""Built-in builders, one module per family; registered through the ``dsgen.builders`` entry points."""
