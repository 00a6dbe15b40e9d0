"""triplewin: an agent-based scenario simulator (Mesa) of China's 2015 "triple win" blueprint
for international industrial capacity cooperation (China Brief 15(18)).

The command is ``triplewin`` (:mod:`sim.cli`); the Python front door is :mod:`sim.api`.
"""

#: The one place the version is written: the package metadata (pyproject.toml reads it), the run
#: manifests, ``triplewin --version``, CITATION.cff (checked by a test) and the docs site use it.
__version__ = "0.2.0.dev0"
