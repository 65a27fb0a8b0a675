"""What an operator can do and ask: the desk's commands, the queue's queries,
evaluation, vehicles, attachments, the map's layer data.

No Qt, no HTTP: services read and write through app/store and reach the
server only through interfaces the composition root hands them.
"""
