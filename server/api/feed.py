"""The change feed's page, encoded without a round trip through Python objects.

Each change's ``data`` is stored as the JSON text of the row; a page is
those texts spliced into the envelope.  Parsing every row into a dict only
to have pydantic validate and re-encode it cost more than the query and the
HTTP together, and an initial download is a million rows.

Threading: called from the API's worker threads; each call opens its own
connection.
"""

from __future__ import annotations

import orjson
from sqlalchemy import select

from core.timeutil import now_iso
from server.storage import ServerStore
from server.storage import schema as s


def change_page_body(store: ServerStore, after: int, limit: int) -> tuple[bytes, int]:
    """The JSON body of ``GET /api/changes`` (same shape as ``ChangePage``)
    and the number of changes in it.  ``last_seq`` is read before the rows:
    a change committed in between may ride along with ``more`` false, which
    only means the next pull finds nothing new."""
    with store.engine.connect() as conn:
        last = int(conn.execute(select(s.change_counter.c.last_seq)).scalar_one())
        rows = conn.execute(
            select(s.changes.c.seq, s.changes.c.entity, s.changes.c.entity_id, s.changes.c.data)
            .where(s.changes.c.seq > after).order_by(s.changes.c.seq).limit(limit)).all()
    dumps = orjson.dumps
    parts = [b'{"seq":%d,"entity":%b,"id":%b,"data":%b}'
             % (seq, dumps(entity), dumps(entity_id), data.encode())
             for seq, entity, entity_id, data in rows]
    more = bool(rows) and rows[-1][0] < last
    body = (b'{"changes":[' + b",".join(parts) + b'],"last_seq":%d,"more":%b,"server_time":%b}'
            % (last, b"true" if more else b"false", dumps(now_iso())))
    return body, len(rows)
