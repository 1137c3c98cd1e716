"""The transparency log: RFC 9162 Merkle tree, entry codec, signed tree heads, and their storage.

``merkle``, ``entries``, ``tree_head`` and ``monitor`` are pure: values in, values out.
``store``, ``recorder`` and ``log`` keep the log in the registry's database. The byte
layouts are specified in docs/transparency-log.md.
"""
