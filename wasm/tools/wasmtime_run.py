#!/usr/bin/env python3
"""Run a WASI preview1 command module with the `wasmtime` Python package, the way
`wasmtime run` does (the CLI itself is in no registry reachable here).

    python wasmtime_run.py [--dir HOST[::GUEST]]... [--env NAME[=VALUE]]... module.wasm [args...]

Matches the CLI on purpose so results compare across engines:
- argv[0] is the module's base name (the CLI strips the path so as not to leak it);
- no environment variables unless given with --env (NAME alone copies the host's value);
- stdin/stdout/stderr are the process's own file descriptors;
- exit status = the module's proc_exit code (0 if _start returns); a trap prints
  the error on stderr and exits 134 (128+SIGABRT, as the CLI does on Unix);
  any other failure (bad module, missing import) exits 1.
"""
import os
import sys

import wasmtime

TRAP_STATUS = 134


def usage(msg):
    sys.stderr.write(f"wasmtime_run.py: {msg}\n"
                     "usage: wasmtime_run.py [--dir HOST[::GUEST]]... "
                     "[--env NAME[=VALUE]]... module.wasm [args...]\n")
    sys.exit(2)


def parse(argv):
    dirs, env, i = [], [], 0
    # Options only before the module: everything after it belongs to the guest.
    while i < len(argv) and argv[i].startswith("--"):
        opt = argv[i]
        if opt == "--":
            i += 1
            break
        if opt not in ("--dir", "--env") or i + 1 >= len(argv):
            usage(f"bad option {opt!r}")
        val = argv[i + 1]
        if opt == "--dir":
            host, _, guest = val.partition("::")
            dirs.append((host, guest or host))
        elif "=" in val:
            env.append(tuple(val.split("=", 1)))
        elif val in os.environ:
            env.append((val, os.environ[val]))
        i += 2
    if i >= len(argv):
        usage("no module given")
    return dirs, env, argv[i], argv[i + 1:]


def main():
    dirs, env, module_path, args = parse(sys.argv[1:])
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    try:
        module = wasmtime.Module.from_file(engine, module_path)
        wasi = wasmtime.WasiConfig()
        wasi.argv = [os.path.basename(module_path)] + args
        wasi.env = env
        wasi.inherit_stdin()
        wasi.inherit_stdout()
        wasi.inherit_stderr()
        for host, guest in dirs:
            wasi.preopen_dir(host, guest)
        store.set_wasi(wasi)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        instance = linker.instantiate(store, module)
        start = instance.exports(store).get("_start")
        if start is None:
            raise wasmtime.WasmtimeError("module has no _start export (not a command module)")
        start(store)
    except wasmtime.ExitTrap as e:  # proc_exit: subclass of WasmtimeError, so first
        sys.exit(e.code)
    except wasmtime.Trap as e:
        sys.stderr.write(f"Error: failed to run main module `{module_path}`\n{e}\n")
        sys.exit(TRAP_STATUS)
    except (wasmtime.WasmtimeError, OSError) as e:
        sys.stderr.write(f"Error: failed to run main module `{module_path}`\n{e}\n")
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
