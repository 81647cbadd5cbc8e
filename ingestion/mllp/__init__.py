"""The live HL7 v2 MLLP listener (`mymedic adt listen`): accepts ADT messages over MLLP, stores each one
durably in the adt_hl7 feed's spool (`<data_dir>/adt/mllp/`) before it answers `AA`.

- `header`: what the listener reads of a message (its MSH segment only, with python-hl7) and why it refuses one;
- `spool`: the durable, deduplicating spool (one `.hl7` file per message, named by sender and control id);
- `ack`: the ACK (MSA, and ERR naming the problem), built with python-hl7's `create_ack`;
- `listener`: the asyncio MLLP server (python-hl7's `hl7.mllp` streams) with group-committed writes.
"""
