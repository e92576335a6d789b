"""Snapshots: everything envcheck can read of a host in its one SSH session, kept as evidence
in runs/<started>-snapshot/ (the check's facts plus the probes of envcheck.snapshot.facts), and
turned into flat items (`packages/nginx`, `sysctl/vm.swappiness`, `files/etc/x.conf`) that
envcheck.diff compares. A check run keeps its facts the same way, so it serves as a snapshot
of what it read."""
