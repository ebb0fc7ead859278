"""`python -m custom_components.stream_workflows.cli`: the `stream-workflows` command."""

from .command import main

main()
