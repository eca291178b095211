"""Allow ``python -m tap_twilio.webhooks`` (the same as ``tap-twilio webhook-mode``)."""

import sys

from tap_twilio.webhooks.cli import main

sys.exit(main())
