#!/usr/bin/env bash
# The Python package (python/relulab) into .venv: a virtual environment on
# Debian's interpreter (/usr/bin/python3) that also sees Debian's packages
# (--system-site-packages: numpy, pandas, matplotlib, pillow, pytest). Debian
# marks its own Python externally managed (PEP 668), so pip may not install
# into it; and the package index is out of reach, so nothing is downloaded:
# the package is pure Python, installed editable from this folder with no
# dependencies fetched (--no-index --no-deps --no-build-isolation).
#   .venv/bin/python -c "import relulab"
set -euo pipefail
cd "$(dirname "$0")/.."
python=/usr/bin/python3  # Debian's: the first python3 on PATH may be another one without its packages
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv --system-site-packages .venv
fi
.venv/bin/python -m pip install --quiet --no-index --no-deps --no-build-isolation -e python
# A Jupyter kernel on this interpreter, named "relulab" (docs/examples/tour.ipynb asks for it).
if .venv/bin/python -c "import ipykernel" 2>/dev/null; then
  PYDEVD_DISABLE_FILE_VALIDATION=1 .venv/bin/python -Xfrozen_modules=off -m ipykernel install --sys-prefix --name relulab \
    --display-name "relulab (.venv)" >/dev/null
fi
.venv/bin/python -c "import relulab, numpy, pandas, matplotlib; print('relulab Python package:', relulab.__file__)"
