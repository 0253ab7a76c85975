#!/usr/bin/env python3
"""Compares our proto/*.proto with kvproto's, message by message and method by method.

Usage: scripts/check_wire_compat.py KVPROTO_DIR   (a checkout of pingcap/kvproto)

Both sets are compiled with protoc into descriptor sets, which protoc then prints as text
(no Python protobuf package needed). For every message, enum and service whose full name
exists in kvproto it reports:
  CONFLICT  a field number (or enum value) kvproto uses for another field (name), type or label,
            or one kvproto reserves; a method whose types or streaming differ, or a method
            kvproto's service does not have;
  EXTENSION a field number kvproto does not use (must be in 1000-1199 and listed in
            docs/wire-compatibility.md);
Exit status 1 when there is a CONFLICT or an extension outside 1000-1199.
eraftpb is compared with raft-rs's numbering in mind: see docs/wire-compatibility.md.
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXT_RANGE = range(1000, 1200)
# kvproto's include/eraftpb.proto is a stale copy; TiKV speaks raft-rs's layout, where
# Message.commit_term is 15 and ConfChangeSingle's field 1 is named `type`
# (docs/wire-compatibility.md).
KNOWN = {(".eraftpb.Message", 15), (".eraftpb.ConfChangeSingle", 1)}


def descriptor_text(include_dirs, files):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.pb")
        args = ["protoc"] + ["-I" + d for d in include_dirs]
        subprocess.run(args + ["--include_imports", "--descriptor_set_out=" + out] + files,
                       check=True)
        with open(out, "rb") as f:
            text = subprocess.run(
                ["protoc", "-I/usr/include", "--decode=google.protobuf.FileDescriptorSet",
                 "google/protobuf/descriptor.proto"],
                input=f.read(), check=True, capture_output=True).stdout.decode()
    return text


def parse_text(text):
    """Parses protobuf text format into nested dicts of lists."""
    root = {}
    stack = [root]
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s.endswith("{"):
            node = {}
            stack[-1].setdefault(s[:-1].strip(), []).append(node)
            stack.append(node)
        elif s == "}":
            stack.pop()
        else:
            key, value = s.split(":", 1)
            value = value.strip()
            if value.startswith('"'):
                value = value[1:-1]
            stack[-1].setdefault(key, []).append(value)
    return root


def one(node, key, default=""):
    return node.get(key, [default])[0]


def index(fds):
    messages, enums, services = {}, {}, {}

    def add_message(m, prefix):
        name = prefix + "." + one(m, "name")
        fields = {}
        for f in m.get("field", []):
            fields[int(one(f, "number"))] = (one(f, "name"), one(f, "type"),
                                             one(f, "type_name"), one(f, "label"))
        reserved = [(int(one(r, "start")), int(one(r, "end"))) for r in m.get("reserved_range", [])]
        messages[name] = (fields, reserved)
        for n in m.get("nested_type", []):
            add_message(n, name)
        for e in m.get("enum_type", []):
            add_enum(e, name)

    def add_enum(e, prefix):
        enums[prefix + "." + one(e, "name")] = {
            int(one(v, "number")): one(v, "name") for v in e.get("value", [])}

    for f in fds.get("file", []):
        pkg = "." + one(f, "package")
        for m in f.get("message_type", []):
            add_message(m, pkg)
        for e in f.get("enum_type", []):
            add_enum(e, pkg)
        for s in f.get("service", []):
            services[pkg + "." + one(s, "name")] = {
                one(m, "name"): (one(m, "input_type"), one(m, "output_type"),
                                 one(m, "client_streaming", "false"),
                                 one(m, "server_streaming", "false"))
                for m in s.get("method", [])}
    return messages, enums, services


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    kv_dir = sys.argv[1]
    kv_protos = sorted(os.path.join(kv_dir, "proto", p)
                       for p in os.listdir(os.path.join(kv_dir, "proto")) if p.endswith(".proto"))
    kv = index(parse_text(descriptor_text(
        [os.path.join(kv_dir, "proto"), os.path.join(kv_dir, "include")],
        kv_protos + [os.path.join(kv_dir, "include", "eraftpb.proto")])))
    ours_files = sorted(os.path.join("proto", p) for p in os.listdir(os.path.join(ROOT, "proto"))
                        if p.endswith(".proto"))
    os.chdir(ROOT)
    ours = index(parse_text(descriptor_text(["."], ours_files)))

    bad = 0
    shared = 0
    for name, (fields, _) in sorted(ours[0].items()):
        if name not in kv[0] or name.startswith(".google."):
            continue
        shared += 1
        kv_fields, kv_reserved = kv[0][name]
        for num, ours_f in sorted(fields.items()):
            if (name, num) in KNOWN:
                continue
            if num in kv_fields:
                if ours_f != kv_fields[num]:
                    print(f"CONFLICT {name} field {num}: ours {ours_f}, kvproto {kv_fields[num]}")
                    bad += 1
            elif any(lo <= num < hi for lo, hi in kv_reserved) and num not in EXT_RANGE:
                print(f"CONFLICT {name} field {num} ({ours_f[0]}): reserved in kvproto")
                bad += 1
            else:
                ok = num in EXT_RANGE
                print(f"EXTENSION {name} field {num} ({ours_f[0]})" + ("" if ok else " OUTSIDE 1000-1199"))
                bad += 0 if ok else 1
    for name, values in sorted(ours[1].items()):
        if name not in kv[1]:
            continue
        for num, value in sorted(values.items()):
            if num in kv[1][name] and kv[1][name][num] != value:
                print(f"CONFLICT enum {name} value {num}: ours {value}, kvproto {kv[1][name][num]}")
                bad += 1
            elif num not in kv[1][name]:
                ok = num in EXT_RANGE
                print(f"EXTENSION enum {name} value {num} ({value})" + ("" if ok else " OUTSIDE 1000-1199"))
                bad += 0 if ok else 1
    for name, methods in sorted(ours[2].items()):
        if name not in kv[2]:
            continue
        for method, shape in sorted(methods.items()):
            if method not in kv[2][name]:
                print(f"CONFLICT {name}/{method}: not a kvproto method")
                bad += 1
            elif shape != kv[2][name][method]:
                print(f"CONFLICT {name}/{method}: ours {shape}, kvproto {kv[2][name][method]}")
                bad += 1
    print(f"{shared} messages share a name with kvproto; {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
