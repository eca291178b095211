"""Singer tap for Twilio."""
