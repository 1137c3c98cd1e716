"""shangpin: mark authenticity and misuse monitoring for the Shanghai Brand scheme.

This package is the composition root: it reads the environment once (``settings``)
and wires the job packages (``storage``, ``issuer``, ``verifier``, ``crawler``) into
one ``shangpin`` command.
"""

__version__ = "0.1.0"
