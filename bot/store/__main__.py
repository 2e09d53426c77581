"""`python -m bot.store`: migrations, calendar coverage warning, deadline recomputation."""

import sys

from bot.store.cli import main

sys.exit(main())
