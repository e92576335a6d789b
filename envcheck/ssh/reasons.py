"""Why a host could not be reached: one reason text (en + zh) per SSH failure, whichever stack
met it.

Four stacks reach hosts: OpenSSH's client (check, inventory ping, verify's testinfra), paramiko
(the paramiko transport), fabric over paramiko (exec, collect) and Ansible over OpenSSH (deploy).
Each reports failures its own way; the classifiers below turn each way into the same `Reason`,
so an unresolvable, refused or timed-out host reads the same in every command:

- `from_openssh`: the ssh client's stderr (also inside Ansible's "UNREACHABLE!" messages);
- `from_ansible`: an Ansible unreachable result's message;
- `from_exception`: paramiko, socket and invoke exceptions (fabric raises these).

A message is `reason.say(where, detail)`: the reason's words, then what is particular to this
host (its address, the last line ssh printed), so the words stay identical everywhere.
"""

from __future__ import annotations

import errno
import re
import socket
from dataclasses import dataclass

from envcheck.model import Text

PROMPT_METHODS = frozenset({"password", "keyboard-interactive"})


@dataclass(frozen=True)
class Reason:
    key: str
    text: Text
    reached: bool = False  # an SSH server answered (the host is up; the login is what failed)

    @property
    def words(self) -> str:
        """The reason in both languages, as every command prints it."""
        return f"{self.text.en} / {self.text.zh}"

    def say(self, where: str | None = None, detail: str | None = None) -> str:
        """The message of one host: the reason's words, then the detail and the address."""
        message = self.words
        if detail:
            message += f": {detail}"
        return f"{message} ({where})" if where else message


UNRESOLVABLE = Reason("unresolvable", Text(
    "host name does not resolve (check ansible_host, /etc/hosts or DNS)",
    "主机名无法解析(检查 ansible_host、/etc/hosts 或 DNS)"))
REFUSED = Reason("refused", Text(
    "connection refused: is sshd running on this port?",
    "连接被拒绝:该端口上的 sshd 是否在运行?"))
TIMED_OUT = Reason("timed_out", Text(
    "timed out: no answer in time (host down, firewall, hung sshd, or --timeout too short)",
    "超时:未在规定时间内响应(主机宕机、防火墙、sshd 无响应或 --timeout 太短)"))
NO_ROUTE = Reason("no_route", Text(
    "no route to host: the network path is down",
    "网络不可达:无法路由到主机"))
CLOSED = Reason("closed", Text(
    "the connection was closed before SSH started: not sshd, or sshd turned this client away",
    "SSH 握手前连接被关闭:不是 sshd,或 sshd 拒绝了本机"))
HOST_KEY_UNKNOWN = Reason("host_key_unknown", Text(
    "host key unknown (not in known_hosts): check the host, then add its key to known_hosts "
    "or use --accept-new-host-keys",
    "主机密钥未知(不在 known_hosts 中):核实主机后将其密钥加入 known_hosts,或使用 --accept-new-host-keys"),
    reached=True)
HOST_KEY_CHANGED = Reason("host_key_changed", Text(
    "host key does not match known_hosts (it changed): check the host before you update known_hosts; "
    "--accept-new-host-keys never accepts a changed key",
    "主机密钥与 known_hosts 不符(已变更):更新 known_hosts 前请先核实主机;"
    "--accept-new-host-keys 不会接受变更的密钥"),
    reached=True)
AUTH_FAILED = Reason("auth_failed", Text(
    "authentication failed: no key was accepted for this user "
    "(ansible_ssh_private_key_file, ssh-agent or ~/.ssh/id_*)",
    "认证失败:该用户不接受所提供的任何密钥(ansible_ssh_private_key_file、ssh-agent 或 ~/.ssh/id_*)"),
    reached=True)
PASSWORD_NEEDED = Reason("password_needed", Text(
    "authentication failed: no key was accepted and the host asks for a password, which envcheck "
    "never prompts for (BatchMode): give a key (ansible_ssh_private_key_file, ssh-agent or ~/.ssh/id_*)",
    "认证失败:密钥未被接受,主机要求输入密码,而 envcheck 从不提示输入密码(BatchMode):"
    "请提供密钥(ansible_ssh_private_key_file、ssh-agent 或 ~/.ssh/id_*)"),
    reached=True)
SUDO_FAILED = Reason("sudo_failed", Text(
    "sudo failed: wrong or missing password (-K or ENVCHECK_BECOME_PASSWORD)",
    "sudo 失败:密码错误或未提供(-K 或 ENVCHECK_BECOME_PASSWORD)"),
    reached=True)
INTERRUPTED = Reason("interrupted", Text("interrupted", "已中断"))
SESSION_ENDED = Reason("session_ended", Text(
    "the SSH session ended unexpectedly", "SSH 会话意外结束"), reached=True)
OTHER = Reason("other", Text("ssh failed", "SSH 连接失败"))

REASONS = (UNRESOLVABLE, REFUSED, TIMED_OUT, NO_ROUTE, CLOSED, HOST_KEY_UNKNOWN, HOST_KEY_CHANGED,
           AUTH_FAILED, PASSWORD_NEEDED, SUDO_FAILED, INTERRUPTED, SESSION_ENDED, OTHER)

# What OpenSSH's client prints, first match wins (a changed key also prints "verification
# failed"; a refused login may end with "Connection closed by").
_OPENSSH = (
    (re.compile(r"REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed"), HOST_KEY_CHANGED),
    (re.compile(r"Host key verification failed|No \S+ host key is known for"), HOST_KEY_UNKNOWN),
    (re.compile(r"Could not resolve hostname|hostname contains invalid characters"), UNRESOLVABLE),
    (re.compile(r"Connection refused"), REFUSED),
    (re.compile(r"No route to host|Network is unreachable"), NO_ROUTE),
    (re.compile(r"timed out", re.IGNORECASE), TIMED_OUT),
    (re.compile(r"Permission denied|Too many authentication failures"), AUTH_FAILED),
    (re.compile(r"kex_exchange_identification|Connection closed by|Connection reset by"), CLOSED),
    (re.compile(r"a password is required|incorrect password|sudo:"), SUDO_FAILED),
)
_METHODS = re.compile(r"Permission denied \(([^)]*)\)")


def for_methods(methods: object) -> Reason:
    """No key was accepted: the server's remaining methods tell whether it wanted a password."""
    offered = {str(m) for m in methods} if isinstance(methods, list | tuple | set | frozenset) else set()
    return PASSWORD_NEEDED if offered & PROMPT_METHODS else AUTH_FAILED


def from_openssh(stderr: str) -> Reason | None:
    """The reason in what OpenSSH's ssh printed, or None when it names none."""
    for pattern, reason in _OPENSSH:
        if pattern.search(stderr):
            if reason is AUTH_FAILED:
                methods = _METHODS.search(stderr)
                return for_methods(methods.group(1).split(",") if methods else ())
            return reason
    return None


# Ansible's ssh plugin when ssh ended before the plugin wrote the task to it: ssh's own words
# are lost ("Data could not be sent to remote host 'db1'. ... [Errno 32] Broken pipe"). Which of
# the two messages a host that does not resolve gets is a race (seen both ways in the suite).
_LOST = re.compile(r"Data could not be sent to remote host '([^']+)'")


def from_ansible(message: str) -> Reason:
    """An Ansible "UNREACHABLE!" result: its ssh connection plugin passes ssh's own words on;
    where they were lost, a name that does not resolve (as ssh would resolve it) still says so."""
    found = from_openssh(message)
    if found is not None:
        return found
    lost = _LOST.search(message)
    return UNRESOLVABLE if lost is not None and not _resolves(lost.group(1)) else OTHER


def _resolves(name: str) -> bool:
    try:
        socket.getaddrinfo(name, None)
    except (socket.gaierror, UnicodeError):  # UnicodeError: the name has no IDNA form
        return False
    return True


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip()[:300] if lines else ""


def from_exception(exc: BaseException) -> Reason:
    """The reason of a paramiko, socket or invoke exception (fabric raises these); imported
    here only when a host has failed, when paramiko is loaded anyway."""
    import paramiko  # noqa: PLC0415 (paramiko: ~0.1 s, not for --help)
    from invoke.exceptions import AuthFailure, CommandTimedOut  # noqa: PLC0415 (invoke, fabric's: not for --help)

    own = getattr(exc, "ssh_reason", None)
    if isinstance(own, Reason):
        return own
    if isinstance(exc, socket.gaierror | UnicodeError):  # UnicodeError: the name has no IDNA form
        return UNRESOLVABLE
    if isinstance(exc, CommandTimedOut):
        return TIMED_OUT
    if isinstance(exc, AuthFailure):  # invoke's: sudo's password prompt came back
        return SUDO_FAILED
    if isinstance(exc, paramiko.BadHostKeyException):
        return HOST_KEY_CHANGED
    if isinstance(exc, paramiko.BadAuthenticationType):
        return for_methods(list(exc.allowed_types))
    if isinstance(exc, paramiko.AuthenticationException):
        return AUTH_FAILED
    causes = list(getattr(exc, "errors", {}).values()) or [exc]  # paramiko's NoValidConnectionsError
    codes = {getattr(c, "errno", None) for c in causes}
    if errno.ECONNREFUSED in codes:
        return REFUSED
    if codes & {errno.EHOSTUNREACH, errno.ENETUNREACH}:
        return NO_ROUTE
    if isinstance(exc, TimeoutError | socket.timeout) or errno.ETIMEDOUT in codes:
        return TIMED_OUT
    if isinstance(exc, EOFError | ConnectionResetError | BrokenPipeError):
        return CLOSED
    if "Error reading SSH protocol banner" in str(exc):  # paramiko: the cause says why
        return TIMED_OUT if isinstance(exc.__context__, TimeoutError | socket.timeout) else CLOSED
    if "No existing session" in str(exc):  # paramiko's handshake outlasted the connect timeout
        return TIMED_OUT
    return OTHER


def detail_of(exc: BaseException, reason: Reason) -> str | None:
    """What to add to the reason's words: nothing for a known reason (its words say it), the
    exception itself for an unknown one."""
    if reason is not OTHER:
        return None
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def in_lang(message: str, lang: str) -> str:
    """A host's message as `say` wrote it (both languages, for logs and records), in one
    language for a reader: each reason's "en / zh" becomes the words of `lang`."""
    for reason in REASONS:
        if reason.words in message:
            message = message.replace(reason.words, reason.text.get(lang))
    return message
