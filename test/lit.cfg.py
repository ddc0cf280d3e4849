# lit configuration of the r1 test suite: r1 tools and FileCheck on PATH.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "r1"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["unit", "fixtures", "reference", "lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.r1_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["r1-opt", "r1c", "r1-run", "r1-perplexity",
                                    "r1-bench"],
                                   [config.r1_tools_dir])
# Compiled kernels are cached inside the build tree, not in $HOME.
config.environment["R1C_CACHE_DIR"] = os.path.join(config.r1_obj_root,
                                                   "kernel-cache")
# Debian's python3 with numpy and torch, ahead of lit's own %python.
config.substitutions.insert(0, ("%python", config.python_executable))
# %mkckpt FAMILY DIR [flags]: a tiny random checkpoint (test/fixtures).
config.substitutions.append(
    ("%mkckpt", config.python_executable + " " +
     os.path.join(config.r1_src_root, "test", "fixtures", "make_checkpoint.py")))
config.substitutions.append(("%r1bin", config.r1_tools_dir))
# %e2e FAMILY WORKDIR [flags]: compile, run and compare with the reference.
config.substitutions.append(
    ("%e2e", config.python_executable + " " +
     os.path.join(config.r1_src_root, "test", "e2e", "e2e.py") +
     " --bin " + config.r1_tools_dir))
