"""argmine: policy-argument mining for texts on e-democracy and e-government.

The repository keeps one folder per concern at its top (``models/``, ``training/``,
``service/``, ``batch/``, ``bench/``); they install under this one namespace
(``argmine.models`` ...) so they never shadow another project's ``models`` or
``service`` module.
"""
