"""``python -m server.demo DISTRICT.geojson``: fill an empty server database
with a demo district.

The district outline is cut into 万米 unit cells (core.geo), grouped into
streets and communities, and given departments, vehicles, demo users and a
history of cases.  Every case is built by applying real commands through
core.cases.apply_command, so its state, deadline and timeline are exactly
what the case rules produce; official numbers come from the store's daily
counters.  A fixed seed (and ``--now``) makes a run reproducible.

Bad input changes nothing: the outline is validated, and the whole demo is
generated in memory, before the database is touched; a database that
already holds cells is refused.  Exit status 2 for both.

Names, places, templates and mixes live in resources/demo/names.json.
Single-threaded; it writes through ServerStore like the API does.

The package, one step per module: inputs.py (names file, outline),
cells.py (cells, streets, communities, street offices), vehicles.py,
people.py (users), cases.py (the history through the case rules),
generate.py (all of it in memory), writing.py (one transaction), cli.py
(``run`` and ``main``); model.py holds what they pass each other.
"""

from server.demo.cli import main, run
from server.demo.generate import generate
from server.demo.model import DEFAULT_DB, EXIT_BAD_INPUT, DemoData, DemoError, DemoOptions, DemoUser
from server.demo.writing import existing_content, write

__all__ = ["DEFAULT_DB", "EXIT_BAD_INPUT", "DemoData", "DemoError", "DemoOptions", "DemoUser", "existing_content",
           "generate", "main", "run", "write"]
