"""Allow ``python -m tap_twilio.actions`` (the same as ``tap-twilio-actions``)."""

import sys

from tap_twilio.actions.cli import main

sys.exit(main())
