"""Print the versions of Python, numpy, scipy and scikit-learn as JSON.

usage: python3 versions.py

The atlas of scikit-learn's classifiers (claims/atlas) records them in
testdata/report/atlas_sklearn.md.
"""

import json
import platform
import sys

sys.dont_write_bytecode = True

import numpy  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402

json.dump({"python": platform.python_version(), "numpy": numpy.__version__,
           "scipy": scipy.__version__, "sklearn": sklearn.__version__}, sys.stdout)
sys.stdout.write("\n")
