"""argmine: policy-argument mining for texts on e-democracy and e-government.

The repository keeps one folder per concern at its top (``models/``, ``training/``,
``service/``, ``batch/``, ``bench/``); they install under this one namespace
(``argmine.models`` ...) so they never shadow another project's ``models`` or
``service`` module.
"""

import os as _os

# argmine never loads anything from a model hub: every base encoder is a local
# directory. Set before transformers or huggingface_hub is imported anywhere under
# argmine, so neither of them looks anything up on the network (a user's own
# values win).
for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "HF_DATASETS_OFFLINE"):
    _os.environ.setdefault(_name, "1")
