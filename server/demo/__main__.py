"""``python -m server.demo DISTRICT.geojson [--db URL] ...``: see server/demo/cli.py."""

import sys

from server.demo.cli import main

sys.exit(main())
