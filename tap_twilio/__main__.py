"""Allow ``python -m tap_twilio`` (the ``tap-twilio`` console script)."""

from tap_twilio.cli import main

main()
