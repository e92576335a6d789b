"""`python -m envcheck`: the same as the `envcheck` command."""

from envcheck.cli import main

main()
