"""``python -m sklearn_llmrect.cli ...``: the ``llmrect`` command without its entry point."""

import sys

from ._main import main

sys.exit(main())
