"""小微学院 content: lessons, cases and the country library, as data files."""
