"""`python -m envcheck`: the same as the `envcheck` command."""

from envcheck.entry import main

main()
