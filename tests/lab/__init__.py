"""A lab of real SSH test hosts: Debian bookworm under systemd-nspawn, one network
namespace each, sshd reached on loopback aliases. See CONTRIBUTING.md, "The lab"."""
