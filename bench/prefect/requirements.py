"""Prints the requirements of an installed distribution (argv[1]) that apply to this
interpreter, one a line, with the specifiers of the names in argv[2:] dropped.

Used by bench/prefect/python-env.ts when the package index lacks a release that a pin asks for.
"""

import sys
from importlib.metadata import requires

from pip._vendor.packaging.requirements import Requirement

relaxed = {name.lower() for name in sys.argv[2:]}
for line in requires(sys.argv[1]) or []:
    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        continue
    req.marker = None
    if req.name.lower() in relaxed:
        req.specifier = type(req.specifier)("")
    print(req)
