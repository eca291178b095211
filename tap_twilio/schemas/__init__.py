"""Stream schemas, generated from Twilio's OpenAPI specs by scripts/generate_schemas.py."""
