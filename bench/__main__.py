"""`python -m bench [--firms N] [--databases sqlite,postgresql] [--duration 10s] [--quick]`."""

import sys

from bench.run import main

sys.exit(main())
