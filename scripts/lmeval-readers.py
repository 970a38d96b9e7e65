#!/usr/bin/env python3
"""Runs lm-evaluation-harness's own readers on `evomerge eval -o DIR --log-samples` output: make_table
(lm_eval/utils.py, with the file-name helpers) and zeno_visualize's tasks_for_model / generate_dataset /
generate_system_df, taken from a git checkout of lm-evaluation-harness (no install needed; pytablewriter and pandas
are stubbed, so any python3 runs it). Checked with lm-eval commit 4e7e0d47 (2026-08-21), Python 3.11.

    scripts/lmeval-readers.py LM_EVAL_GIT_DIR DIR      (DIR: what eval -o DIR wrote)
"""
import ast, json, os, re, sys, subprocess, types
repo = sys.argv[1]
stub = types.ModuleType("pytablewriter")
class _Writer:
    headers = []
    value_matrix = []
    def dumps(self):
        return "\n".join(" | ".join(str(c) for c in row) for row in [self.headers] + self.value_matrix)
stub.MarkdownTableWriter = type("MarkdownTableWriter", (_Writer,), {})
stub.LatexTableWriter = type("LatexTableWriter", (_Writer,), {})
sys.modules["pytablewriter"] = stub
def source(path):
    return subprocess.run(["git", "-C", repo, "show", "HEAD:" + path], capture_output=True, text=True, check=True).stdout
def functions(path, names):
    tree = ast.parse(source(path))
    keep = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.Assign)) and (getattr(n, "name", None) in names or (isinstance(n, ast.Assign) and any(getattr(t, "id", None) in names for t in n.targets)))]
    return ast.unparse(ast.Module(body=keep, type_ignores=[]))
ns = {"re": re, "json": json, "os": os}
from pathlib import Path
ns["Path"] = Path
exec(functions("lm_eval/utils.py", {"make_table", "_build_hierarchy_info", "HIGHER_IS_BETTER_SYMBOLS", "get_file_datetime", "get_latest_filename", "get_results_filenames", "get_sample_results_filenames", "sanitize_model_name"}), ns)
class DF(dict):
    def __init__(self, d): super().__init__(d)
class pd: DataFrame = DF
ns["pd"] = pd
exec(functions("scripts/zeno_visualize.py", {"tasks_for_model", "generate_dataset", "generate_system_df", "sanitize_string"}), ns)
data_path = sys.argv[2]
for model in os.listdir(data_path):
    model_dir = Path(data_path, model)
    files = [f.as_posix() for f in model_dir.iterdir() if f.is_file()]
    latest = ns["get_latest_filename"]([Path(f).name for f in ns["get_results_filenames"](files)])
    results = json.load(open(model_dir / latest))
    print(ns["make_table"](results))
    tasks = ns["tasks_for_model"](model, data_path)
    print("tasks", tasks, "model_args", ns["sanitize_string"](results["config"]["model_args"]))
    for task in tasks:
        samples = ns["get_latest_filename"]([Path(f).name for f in ns["get_sample_results_filenames"](files) if task in f])
        data = [json.loads(l) for l in open(model_dir / samples)]
        config = results["configs"][task]
        ds = ns["generate_dataset"](data, config)
        sys_df = ns["generate_system_df"](data, config)
        print(task, config["output_type"], "dataset rows", len(ds["id"]), "system columns", sorted(sys_df.keys()))
