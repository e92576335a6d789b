"""The application's view: what its database sessions, proxies and partner interfaces really get.

- declared.py: the inventory's app_datasources / app_endpoints entries as records (passwords
  never printed, never stored);
- jdbc.py: JDBC URLs and data source definitions of the application's config files;
- tunnel.py: a loopback port carried through an audited host, so that a database driver on the
  controller connects from that host's network position;
- mux.py: those channels opened over the host's one SSH connection (OpenSSH's multiplexing
  protocol: the probe session's ControlMaster, or one of our own), ended with the run;
- sessions.py: one session per datasource as the application's user (psycopg, PyMySQL), read
  as JSON evidence for the pure parsers and checks of envcheck.checks.app.
"""
