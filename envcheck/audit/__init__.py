"""The audit: one exec per host (probe.py builds the script), gathered in parallel and
evaluated (engine.py); run.py is the use case every caller goes through."""
