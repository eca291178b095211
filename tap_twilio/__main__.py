"""Allow ``python -m tap_twilio``."""

from tap_twilio.tap import main

main()
