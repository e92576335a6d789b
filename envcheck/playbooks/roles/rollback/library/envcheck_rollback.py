"""Ansible module of the rollback role: records what a role changes on a host and puts it back.

before   copies of the role's files (content, mode, owner, link target), the states of its services,
         the installed packages, users, groups, locales and the role's kernel settings, kept under
         BASE/<run>/<nn>-<role>/ (BASE root-only, 0700)
after    the same read again: what changed is kept (copies of unchanged files are dropped) and
         returned, with the previous content of each changed file for the evidence
verify   read-only: the files changed since the deploy (a hand edit), per the records of <run>
restore  the files, units, service enablement and state of <run> put back, newest role first;
         the packages the deploy installed removed with `packages`; what is not undone listed

Runs on the targets' Pythons (2.7 and 3.6 included): type comments, no f-strings.
Never reports a change for before/after (a deploy run twice must read changed=0).
"""

import base64
import grp
import hashlib
import json
import os
import pwd
import shutil
import stat

from ansible.module_utils.basic import AnsibleModule

EVIDENCE_MAX = 256 * 1024  # larger previous versions stay on the host only


def file_state(path):
    # type: (str) -> dict
    try:
        st = os.lstat(path)
    except OSError:
        return {"type": "absent", "parent": os.path.isdir(os.path.dirname(path))}
    out = {"mode": "%04o" % stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
           "parent": True}  # type: dict
    if stat.S_ISLNK(st.st_mode):
        out.update(type="link", target=os.readlink(path))
        out["sha256"] = hashlib.sha256(("link:" + out["target"]).encode("utf-8")).hexdigest()
    elif stat.S_ISREG(st.st_mode):
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(65536), b""):
                digest.update(block)
        out.update(type="file", size=st.st_size, sha256=digest.hexdigest())
    else:
        out.update(type="other")
    return out


def same(a, b):
    # type: (dict, dict) -> bool
    keys = ("type", "sha256", "mode", "uid", "gid")
    return all(a.get(k) == b.get(k) for k in keys)


def service_state(module, name):
    # type: (AnsibleModule, str) -> dict
    _rc, out, _err = module.run_command(["systemctl", "show", "--property=LoadState,UnitFileState,"
                                        "ActiveState,InvocationID", "--", name + ".service"])
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    loaded = values.get("LoadState") == "loaded"
    return {"exists": loaded, "enabled": values.get("UnitFileState", "") if loaded else "",
            "active": values.get("ActiveState", "") if loaded else "inactive",
            "invocation": values.get("InvocationID", "")}


def packages(module):
    # type: (AnsibleModule) -> list
    if module.get_bin_path("dpkg-query"):
        cmd = ["dpkg-query", "-W", "-f=${Package}\t${db:Status-Abbrev}\n"]
    elif module.get_bin_path("rpm"):
        cmd = ["rpm", "-qa", "--qf", "%{NAME}\tii\n"]
    else:
        return []
    _rc, out, _err = module.run_command(cmd, environ_update={"LC_ALL": "C"})
    return sorted(set(line.split("\t")[0] for line in out.splitlines() if line.split("\t")[-1].startswith("ii")))


def locales(module):
    # type: (AnsibleModule) -> list
    if not module.get_bin_path("locale"):
        return []
    _rc, out, _err = module.run_command(["locale", "-a"], environ_update={"LC_ALL": "C"})
    return sorted(set(out.split()))


def sysctls(keys):
    # type: (list) -> dict
    out = {}  # type: dict
    for key in keys:
        try:
            with open("/proc/sys/" + key.replace(".", "/")) as fh:
                out[key] = " ".join(fh.read().split())
        except (IOError, OSError):
            out[key] = None
    return out


def backups(paths):
    # type: (list) -> list
    """Ansible's backups beside the files (backup: true names them <file>.<pid>.<date>@<time>~)."""
    found = []
    for path in paths:
        folder, name = os.path.split(path)
        if os.path.isdir(folder):
            found += [os.path.join(folder, f) for f in os.listdir(folder)
                      if f.startswith(name + ".") and f.endswith("~") and "@" in f]
    return sorted(found)


def system_state(module, p):
    # type: (AnsibleModule, dict) -> dict
    return {
        "files": dict((path, file_state(path)) for path in p["files"]),
        "services": dict((name, service_state(module, name)) for name in p["services"]),
        "packages": packages(module),
        "users": sorted(u.pw_name for u in pwd.getpwall()),
        "groups": sorted(g.gr_name for g in grp.getgrall()),
        "locales": locales(module),
        "sysctl": sysctls(p["sysctl"]),
        "backups": backups(p["files"]),
    }


def copy_name(path):
    # type: (str) -> str
    return hashlib.sha256(path.encode("utf-8")).hexdigest()[:24]


def private_dir(path):
    # type: (str) -> None
    if not os.path.isdir(path):
        os.makedirs(path, 0o700)
    os.chmod(path, 0o700)


def role_dirs(run_dir):
    # type: (str) -> list
    if not os.path.isdir(run_dir):
        return []
    return sorted(os.path.join(run_dir, d) for d in os.listdir(run_dir)
                  if os.path.isfile(os.path.join(run_dir, d, "state.json")))


def load(path):
    # type: (str) -> dict
    with open(os.path.join(path, "state.json")) as fh:
        return json.load(fh)


def save(path, record):
    # type: (str, dict) -> None
    tmp = os.path.join(path, ".state.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(record, fh, sort_keys=True)
    os.rename(tmp, os.path.join(path, "state.json"))


def before(module, p, run_dir):
    # type: (AnsibleModule, dict, str) -> dict
    base = os.path.dirname(run_dir)
    private_dir(os.path.dirname(base))
    private_dir(base)
    private_dir(run_dir)
    path = os.path.join(run_dir, "%02d-%s" % (len(role_dirs(run_dir)) + 1, p["role"]))
    private_dir(path)
    private_dir(os.path.join(path, "files"))
    state = system_state(module, p)
    state["packaged"] = p["packaged"]
    for name, info in state["files"].items():
        if info["type"] == "file":
            shutil.copyfile(name, os.path.join(path, "files", copy_name(name)))
    save(path, {"role": p["role"], "before": state, "after": None})
    return {"role": p["role"], "dir": path}


def after(module, p, run_dir):
    # type: (AnsibleModule, dict, str) -> dict
    mine = [d for d in role_dirs(run_dir) if load(d)["role"] == p["role"] and load(d)["after"] is None]
    if not mine:
        module.fail_json(msg="no record of role %s before it ran in %s" % (p["role"], run_dir))
    path = mine[-1]
    record = load(path)
    was = record["before"]
    now = system_state(module, {"files": list(was["files"]), "services": list(was["services"]),
                                "sysctl": list(was["sysctl"])})
    files = []
    for name, old in sorted(was["files"].items()):
        copy = os.path.join(path, "files", copy_name(name))
        if same(old, now["files"][name]):
            if os.path.exists(copy):
                os.unlink(copy)
            continue
        item = {"path": name, "before": old, "after": now["files"][name]}
        if old["type"] == "file" and old["size"] <= EVIDENCE_MAX:
            with open(copy, "rb") as fh:
                item["content_b64"] = base64.b64encode(fh.read()).decode("ascii")
        files.append(item)
    services = []
    for name, old in sorted(was["services"].items()):
        new = now["services"][name]
        restarted = (old["active"] == "active" and new["active"] == "active"
                     and old["invocation"] != new["invocation"])
        if restarted or old["enabled"] != new["enabled"] or old["active"] != new["active"]:
            services.append({"name": name, "before": old, "after": new, "restarted": restarted})
    changes = {
        "role": p["role"], "files": files, "services": services,
        "packages": sorted(set(now["packages"]) - set(was["packages"])),
        "users": sorted(set(now["users"]) - set(was["users"])),
        "groups": sorted(set(now["groups"]) - set(was["groups"])),
        "locales": sorted(set(now["locales"]) - set(was["locales"])),
        "sysctl": dict((k, {"before": v, "after": now["sysctl"][k]})
                       for k, v in was["sysctl"].items() if v != now["sysctl"][k]),
        "backups": sorted(set(now["backups"]) - set(was.get("backups", []))),
    }
    record["after"] = now
    record["changes"] = dict((k, v) for k, v in changes.items() if k != "files")
    record["changes"]["files"] = [dict((k, v) for k, v in f.items() if k != "content_b64") for f in files]
    save(path, record)
    return changes


def records(module, run_dir):
    # type: (AnsibleModule, str) -> list
    found = [(d, load(d)) for d in role_dirs(run_dir)]
    if not found:
        module.fail_json(msg="no rollback record of run %s on this host (%s)" % (os.path.basename(run_dir), run_dir),
                         envcheck_rollback={"action": "verify", "missing": True})
    return found


def hand_edited(found):
    # type: (list) -> list
    """Files whose state now is neither what the deploy left nor what it found."""
    edited = []
    for _path, record in found:
        if record["after"] is None:
            continue  # the role did not finish: its after-state is unknown
        for item in record["changes"]["files"]:
            now = file_state(item["path"])
            if not same(now, item["after"]) and not same(now, item["before"]):
                edited.append(item["path"])
    return sorted(set(edited))


def owner(module, path):
    # type: (AnsibleModule, str) -> str
    if module.get_bin_path("dpkg-query"):
        rc, out, _err = module.run_command(["dpkg-query", "-S", path], environ_update={"LC_ALL": "C"})
        return out.split(":", 1)[0].strip() if rc == 0 else ""
    if module.get_bin_path("rpm"):
        rc, out, _err = module.run_command(["rpm", "-qf", "--qf", "%{NAME}", path])
        return out.strip() if rc == 0 else ""
    return ""


def put_back(path, old, copy):
    # type: (str, dict, str) -> None
    tmp = os.path.join(os.path.dirname(path), ".envcheck-rollback." + os.path.basename(path))
    if old["type"] == "link":
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(old["target"], tmp)
    else:
        shutil.copyfile(copy, tmp)
        os.chmod(tmp, int(old["mode"], 8))
    os.lchown(tmp, old["uid"], old["gid"])
    try:
        os.rename(tmp, path)
    except OSError:  # a bind mount (/etc/hosts in a container): written in place
        os.unlink(tmp)
        if old["type"] == "link" or os.path.islink(path):
            raise
        shutil.copyfile(copy, path)


def restore(module, p, run_dir):
    # type: (AnsibleModule, dict, str) -> dict
    found = records(module, run_dir)
    edited = hand_edited(found)
    if edited and not p["force"]:
        module.fail_json(msg="changed since the deploy: " + ", ".join(edited), hand_edited=edited)
    dry = module.check_mode
    done = {"files": [], "services": [], "packages": [], "not_undone": [], "hand_edited": edited}  # type: dict
    installed = set()  # type: set
    for _path, record in found:
        installed.update((record.get("changes") or {}).get("packages", []))
    units = False
    restart = set()  # type: set
    deferred = []  # files created with a package the deploy installed
    for path, record in reversed(found):
        # Without an after-state (the role failed half-way), every file that differs is put back.
        if record["after"] is None:
            wanted = [{"path": k, "before": v} for k, v in record["before"]["files"].items()]
        else:
            wanted = record["changes"]["files"]
        for item in wanted:
            name, old = item["path"], item["before"]
            if same(file_state(name), old):
                continue
            if old["type"] == "absent":
                # Created by a package the deploy installed (its file, or one the role edits in
                # place that the package's scripts wrote in its folder): it stays with the package.
                pkg = owner(module, name)
                if not pkg and name in record["before"].get("packaged", ()):
                    pkg = owner(module, os.path.dirname(name))
                if pkg and pkg in installed:
                    deferred.append((name, pkg, old))
                    continue
                action = "removed"
                if not dry:
                    if os.path.lexists(name):
                        os.unlink(name)
                    parent = os.path.dirname(name)
                    if not old.get("parent", True) and os.path.isdir(parent) and not os.listdir(parent):
                        os.rmdir(parent)
            elif old["type"] in ("file", "link"):
                action = "restored"
                if not dry:
                    put_back(name, old, os.path.join(path, "files", copy_name(name)))
            else:
                continue
            done["files"].append({"path": name, "action": action, "role": record["role"]})
            units = units or name.startswith(("/etc/systemd/", "/lib/systemd/", "/usr/lib/systemd/"))
            restart.add(record["role"])
            if name == "/etc/hostname" and old["type"] == "file" and not dry:
                module.run_command(["hostname", "-F", "/etc/hostname"])
    for _path, record in reversed(found):  # the deploy's backup copies beside the files
        for name in (record.get("changes") or {}).get("backups", []):
            if os.path.lexists(name):
                if not dry:
                    os.unlink(name)
                done["files"].append({"path": name, "action": "removed", "role": record["role"]})
    if units and not dry:  # the manager's own settings (system.conf.d) need a re-exec
        manager = any(f["path"].startswith("/etc/systemd/system.conf") for f in done["files"])
        module.run_command(["systemctl", "daemon-reexec" if manager else "daemon-reload"])
    for _path, record in reversed(found):
        for name, old in sorted(record["before"]["services"].items()):
            now = service_state(module, name)
            if not now["exists"]:
                continue
            actions = []
            want_enabled = old["enabled"] if old["exists"] else "disabled"
            if want_enabled in ("enabled", "disabled") and now["enabled"] in ("enabled", "disabled") \
                    and now["enabled"] != want_enabled:
                actions.append("enable" if want_enabled == "enabled" else "disable")
            if old["active"] == "active" and now["active"] != "active":
                actions.append("start")
            elif old["active"] != "active" and now["active"] == "active":
                actions.append("stop")
            elif old["active"] == "active" and record["role"] in restart:
                actions.append("restart")
            for action in actions:
                if not dry:
                    rc, _out, err = module.run_command(["systemctl", action, "--", name + ".service"])
                    if rc != 0:
                        module.fail_json(msg="systemctl %s %s: %s" % (action, name, err.strip()), **done)
                done["services"].append({"name": name, "action": action, "role": record["role"]})
    if p["packages"] and installed:
        done["packages"], blocked = remove_packages(module, sorted(installed), dry)
        for name in blocked:
            done["not_undone"].append({"area": "packages", "key": name, "value": "needed"})
    elif installed:
        done["not_undone"] += [{"area": "packages", "key": n, "value": "installed"} for n in sorted(installed)]
    for name, pkg, _old in deferred:
        if p["packages"] and pkg in done["packages"]:
            if not dry and os.path.lexists(name):
                os.unlink(name)
            done["files"].append({"path": name, "action": "removed", "role": "packages"})
        else:
            done["not_undone"].append({"area": "files", "key": name, "value": pkg})
    for _path, record in found:
        changes = record.get("changes") or {}
        for area in ("users", "groups", "locales"):
            done["not_undone"] += [{"area": area, "key": n, "value": "created"} for n in changes.get(area, [])]
        for key, values in sorted((changes.get("sysctl") or {}).items()):
            done["not_undone"].append({"area": "sysctl", "key": key, "value": values["after"]})
    return done


def remove_packages(module, names, dry):
    # type: (AnsibleModule, list, bool) -> tuple
    """The packages removed, and those left because removing them would take others along."""
    if module.get_bin_path("apt-get"):
        env = {"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
        _rc, out, _err = module.run_command(["apt-get", "-s", "purge"] + names, environ_update=env)
        others = sorted(set(line.split()[1] for line in out.splitlines() if line.startswith("Purg ")) - set(names))
        if others:
            return [], names
        if not dry:
            rc, _out, err = module.run_command(["apt-get", "-y", "-q", "purge"] + names, environ_update=env)
            if rc != 0:
                module.fail_json(msg="apt-get purge: " + err.strip())
        return names, []
    if module.get_bin_path("dnf") or module.get_bin_path("yum"):
        tool = "dnf" if module.get_bin_path("dnf") else "yum"
        if not dry:
            rc, _out, err = module.run_command([tool, "-y", "--noautoremove", "remove"] + names)
            if rc != 0:
                module.fail_json(msg=tool + " remove: " + err.strip())
        return names, []
    return [], names


def main():
    # type: () -> None
    module = AnsibleModule(
        argument_spec={
            "action": {"type": "str", "required": True, "choices": ["before", "after", "verify", "restore"]},
            "run": {"type": "str", "required": True},
            "role": {"type": "str", "default": ""},
            "files": {"type": "list", "elements": "str", "default": []},
            "services": {"type": "list", "elements": "str", "default": []},
            "sysctl": {"type": "list", "elements": "str", "default": []},
            "packaged": {"type": "list", "elements": "str", "default": []},
            "force": {"type": "bool", "default": False},
            "packages": {"type": "bool", "default": False},
            "base": {"type": "path", "default": "/var/lib/envcheck/rollback"},
        },
        supports_check_mode=True,
    )
    p = module.params
    if not p["run"] or "/" in p["run"] or p["run"].startswith("."):
        module.fail_json(msg="bad run name %r" % p["run"])
    run_dir = os.path.join(p["base"], p["run"])
    action = p["action"]
    if action in ("before", "after"):
        if module.check_mode:  # a dry run changes nothing, so there is nothing to record
            module.exit_json(changed=False, envcheck_rollback=None)
        result = before(module, p, run_dir) if action == "before" else after(module, p, run_dir)
        module.exit_json(changed=False, envcheck_rollback=dict(result, action=action))
    if action == "verify":
        edited = hand_edited(records(module, run_dir))
        module.exit_json(changed=False, envcheck_rollback={"action": "verify", "hand_edited": edited})
    done = restore(module, p, run_dir)
    changed = bool(done["files"] or done["services"] or done["packages"])
    module.exit_json(changed=changed, envcheck_rollback=dict(done, action="restore"))


if __name__ == "__main__":
    main()
