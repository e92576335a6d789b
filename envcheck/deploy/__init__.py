"""envcheck deploy: the playbooks through ansible-runner (runner.py), the live display (view.py), the
process tree a cancelled run leaves (proctree.py)."""
