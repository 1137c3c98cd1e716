"""The transparency log's pure core: RFC 9162 Merkle tree, entry codec, signed tree heads.

Nothing here touches a database or the network; storage, API and CLI wrap these values.
The byte layouts are specified in docs/transparency-log.md.
"""
