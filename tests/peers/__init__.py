"""The engine harness for adapter tests; the local Twitch and Discord live in `local_peers`."""
