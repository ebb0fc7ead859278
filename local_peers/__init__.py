"""Local stand-ins for the services a developer machine cannot reach: a Discord REST API, a
Twitch (Helix, OAuth, EventSub) and a headless OBS Studio. The tests and `scripts/develop`
both use them, so the demo talks to exactly what the tests check against."""
