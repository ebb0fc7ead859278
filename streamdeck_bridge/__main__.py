"""`streamdeck-bridge`: Stream Deck keys for Home Assistant and Stream Workflows."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

from .app import Bridge
from .config import ConfigError, load
from .virtual import DEFAULT_MODEL, MODELS


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="streamdeck-bridge",
        description="Run Stream Workflows and Home Assistant actions from Elgato Stream Decks.",
        epilog="The Home Assistant token is read from the environment variable named in "
        "deck.yaml (default STREAMDECK_BRIDGE_TOKEN) or from a token_file; never from "
        "the command line.",
    )
    parser.add_argument("--config", "-c", default="deck.yaml", help="the layout file (deck.yaml)")
    parser.add_argument(
        "--check", action="store_true", help="validate the configuration file and exit"
    )
    parser.add_argument(
        "--virtual",
        nargs="?",
        const=DEFAULT_MODEL,
        metavar="MODEL",
        choices=sorted(MODELS),
        help=f"serve a virtual deck on 127.0.0.1 (models: {', '.join(MODELS)}; "
        f"default {DEFAULT_MODEL})",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="port of the virtual deck page (default 8765)"
    )
    parser.add_argument(
        "--no-hardware",
        action="store_true",
        help="do not look for hardware decks (implied by --virtual unless --hardware)",
    )
    parser.add_argument(
        "--hardware", action="store_true", help="with --virtual, also drive hardware decks"
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging (-v info, -vv debug)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Default: warnings and errors only. -v: what the bridge does (connections, decks,
    # pages, every action it calls, sleep and wake). -vv: debug, libraries included.
    logging.basicConfig(
        level=logging.DEBUG if args.verbose >= 2 else logging.WARNING,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    if args.verbose == 1:
        logging.getLogger("streamdeck_bridge").setLevel(logging.INFO)
    try:
        config = load(args.config)
    except ConfigError as err:
        for problem in err.problems:
            print(f"{err.source}: {problem}", file=sys.stderr)
        return 1
    if args.check:
        decks = len(config.decks)
        pages = sum(len(d.pages) for d in config.decks)
        print(f"{args.config}: OK ({decks} deck layout(s), {pages} page(s))")
        return 0
    hardware = not args.no_hardware and (args.virtual is None or args.hardware)
    bridge = Bridge(config, hardware=hardware, virtual_model=args.virtual, virtual_port=args.port)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(bridge))
    return 0


async def _run(bridge: Bridge) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await bridge.start()
    try:
        if bridge.server is not None and bridge.virtual is not None:
            print(f"Virtual {bridge.virtual.model} at {bridge.server.url}", flush=True)
        await stop.wait()
    finally:
        await bridge.stop()
    logging.getLogger("streamdeck_bridge").info("Stopped cleanly")


if __name__ == "__main__":
    sys.exit(main())
