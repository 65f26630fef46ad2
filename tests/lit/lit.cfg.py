# lit configuration for ktap's golden tests: each .kp file is a shell test
# whose RUN lines call ktapc and check its output with FileCheck.
import os
import lit.formats

config.name = 'ktap'
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = ['.kp']
config.test_source_root = os.path.dirname(__file__)

root = os.path.abspath(os.path.join(config.test_source_root, '..', '..'))
# Outputs go under build/, never into the source tree.
config.test_exec_root = os.environ.get('KTAP_BUILD') or os.path.join(root, 'build', 'lit')
if not os.path.isabs(config.test_exec_root):
    config.test_exec_root = os.path.join(root, config.test_exec_root)

# The repository's files that tests read outside tests/lit (docs/, editors/,
# tests/tools/ scripts): host.sh runs a copy of the suite elsewhere.
config.substitutions.append(('%ktapsrc', os.environ.get('KTAP_SRC') or root))
# The ktapc of $BUILD: the plain build's at the top, any other's in it.
build = os.environ.get('BUILD', 'build')
ktapc = os.environ.get('KTAPC') or os.path.join(root, '' if build == 'build' else build, 'ktapc')
# %ktapc also compiles each script it checks, or fails to compile, both ways
# and requires the same diagnostics (same-errors.sh); %ktapc-alone is ktapc
# alone: for the kernel limits that only a full compile meets, and as a path.
# (First: lit substitutes in order, and %ktapc is a prefix of it.)
config.substitutions.append(('%ktapc-alone', os.path.abspath(ktapc)))
config.substitutions.append(('%ktapc', ' '.join([os.path.join(config.test_source_root, 'same-errors.sh'),
                                                 os.path.abspath(ktapc)])))
# The USDT tool of $BUILD (its notes are the same in every build): scripts
# name it as @USDT@, which RUN lines replace (tests/kernel/objects.sh too).
usdt = os.environ.get('KTAP_USDT') or os.path.join(root, build, 'tests', 'tools', 'usdt')
config.substitutions.append(('%usdt', os.path.abspath(usdt)))
# The tool that writes a module's split BTF (module types: btf/module.kp)
modbtf = os.environ.get('KTAP_MODBTF') or os.path.join(root, build, 'tests', 'tools', 'modbtf')
config.substitutions.append(('%modbtf', os.path.abspath(modbtf)))

# Every test reads the fake tracefs in Inputs/, never the machine's: the
# suite's results do not depend on the kernel, and it runs unprivileged.
config.environment['KTAP_TRACEFS'] = os.path.join(config.test_source_root, 'Inputs', 'tracefs')
# and its kernel functions (probe:SYM) from a fake kallsyms
config.environment['KTAP_KALLSYMS'] = os.path.join(config.test_source_root, 'Inputs', 'kallsyms')

# and its kernel types (ffi.cast, curtask) from a small BTF made here (-O2:
# clang's BTF names a function's parameters, tp_btf's arguments, only then)
import subprocess
os.makedirs(config.test_exec_root, exist_ok=True)
kernel_btf = os.path.join(config.test_exec_root, 'kernel-btf.o')
subprocess.run(['clang', '-g', '-O2', '-target', 'bpf', '-c', '-o', kernel_btf,
                os.path.join(config.test_source_root, 'Inputs', 'btf', 'kernel.c')], check=True)
config.environment['KTAP_BTF'] = kernel_btf
config.substitutions.append(('%kernel_btf', kernel_btf))

# Tests that need root (mknod) say "REQUIRES: root"; the suite also runs as
# nobody (tests/kernel/host.sh).
if os.geteuid() == 0:
    config.available_features.add('root')

filecheck_dir = os.environ.get('FILECHECK_DIR', '/usr/lib/llvm-14/bin')
config.environment['PATH'] = os.pathsep.join([filecheck_dir, os.environ.get('PATH', '')])
for var in ('ASAN_OPTIONS', 'UBSAN_OPTIONS'):
    if var in os.environ:
        config.environment[var] = os.environ[var]
