"""The offline bundle (issue 21): one archive with envcheck's wheels, the playbooks and an OS
package repository per OS family, for sites with no route to any registry (docs/offline.md)."""
